#include "jobs.hpp"

#include <algorithm>

#include "addon.hpp"

namespace binding {

namespace {
enum class MessageKind { Progress, Done };
struct Message {
  MessageKind kind;
};
void CallJs(Napi::Env env, Napi::Function, JobChannel* channel, Message* message);
using Tsfn = Napi::TypedThreadSafeFunction<JobChannel, Message, CallJs>;
}  // namespace

// Main-thread state of a job: the promise, the progress callback and the thread-safe function
// the worker signals through.
struct JobChannel {
  std::shared_ptr<Job> job;
  Napi::Promise::Deferred deferred;
  Napi::FunctionReference onProgress;
  Tsfn tsfn;
  std::mutex progressMutex;
  dln::Progress latest;
  bool progressPending = false;
  CapturedError callbackError;  // a throw from the JS progress callback

  explicit JobChannel(Napi::Env env) : deferred(Napi::Promise::Deferred::New(env)) {}

  void PostProgress(const dln::Progress& p) {
    std::lock_guard<std::mutex> lock(progressMutex);
    latest = p;
    if (progressPending) return;
    progressPending = true;
    auto* m = new Message{MessageKind::Progress};
    if (tsfn.NonBlockingCall(m) != napi_ok) {
      delete m;
      progressPending = false;
    }
  }

  void PostDone() {
    auto* m = new Message{MessageKind::Done};
    if (tsfn.BlockingCall(m) != napi_ok) delete m;
    tsfn.Release();
  }
};

namespace {

void CallJs(Napi::Env env, Napi::Function, JobChannel* channel, Message* message) {
  std::unique_ptr<Message> owned(message);
  if (channel == nullptr) return;
  if (env == nullptr) {  // teardown: nothing to settle; break the job <-> channel cycle
    if (message->kind == MessageKind::Done) channel->job.reset();
    return;
  }
  Napi::HandleScope scope(env);
  if (message->kind == MessageKind::Progress) {
    dln::Progress p;
    {
      std::lock_guard<std::mutex> lock(channel->progressMutex);
      p = channel->latest;
      channel->progressPending = false;
    }
    if (channel->onProgress.IsEmpty() || channel->callbackError.present) return;
    try {
      channel->onProgress.Call({channel->job->ProgressValue(env, p)});
    } catch (const Napi::Error& e) {
      // A throwing progress callback stops the job; its error becomes the rejection.
      channel->callbackError.present = true;
      channel->callbackError.code = dln::ErrorCode::Internal;
      channel->callbackError.message = std::string("onProgress threw: ") + e.Message();
      channel->job->cancel.store(true);
    }
    return;
  }
  Job& job = *channel->job;
  try {
    if (channel->callbackError.present) {
      channel->deferred.Reject(channel->callbackError.toJs(env).Value());
    } else if (job.error.present) {
      channel->deferred.Reject(job.error.toJs(env).Value());
    } else {
      channel->deferred.Resolve(job.Result(env));
    }
  } catch (const Napi::Error& e) {
    channel->deferred.Reject(e.Value());
  } catch (const std::exception& e) {
    CapturedError c;
    c.capture(e);
    channel->deferred.Reject(c.toJs(env).Value());
  }
  channel->onProgress.Reset();
  channel->job.reset();  // the job owns the channel too: break the cycle once settled
}

}  // namespace

Napi::Value Job::ProgressValue(Napi::Env env, const dln::Progress& p) {
  auto o = Napi::Object::New(env);
  o.Set("done", Napi::Number::New(env, static_cast<double>(p.done)));
  o.Set("total", Napi::Number::New(env, static_cast<double>(p.total)));
  o.Set("loss", Napi::Number::New(env, p.loss));
  o.Set("time", Napi::Number::New(env, p.time));
  return o;
}

JobRunner::JobRunner(std::size_t threads) : threads_(std::max<std::size_t>(1, threads)) {}

JobRunner::~JobRunner() { Shutdown(); }

void JobRunner::Submit(std::shared_ptr<Job> job) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (stopping_) {
    job->cancel.store(true);
  }
  queue_.push_back(std::move(job));
  if (alive_ < threads_ && alive_ < queue_.size() + running_.size()) {
    ++alive_;
    workers_.emplace_back([this] { Work(); });
  }
  ready_.notify_one();
}

void JobRunner::SetThreads(std::size_t threads) {
  std::lock_guard<std::mutex> lock(mutex_);
  threads_ = std::max<std::size_t>(1, threads);
  while (alive_ < threads_ && alive_ < queue_.size() + running_.size()) {
    ++alive_;
    workers_.emplace_back([this] { Work(); });
  }
  ready_.notify_all();
}

std::size_t JobRunner::Threads() {
  std::lock_guard<std::mutex> lock(mutex_);
  return threads_;
}

void JobRunner::Work() {
  for (;;) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      ready_.wait(lock, [&] { return stopping_ || !queue_.empty() || alive_ > threads_; });
      if (queue_.empty() || (alive_ > threads_ && !stopping_)) {  // drained, or retiring
        --alive_;
        return;
      }
      job = std::move(queue_.front());
      queue_.pop_front();
      running_.push_back(job);
    }
    std::shared_ptr<JobChannel> channel = job->channel;
    dln::RunControl control(&job->cancel, [channel](const dln::Progress& p) { channel->PostProgress(p); });
    try {
      job->Execute(control);
    } catch (const std::exception& e) {
      job->error.capture(e);
    } catch (...) {
      job->error.present = true;
      job->error.message = "unknown native error";
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      running_.erase(std::find(running_.begin(), running_.end(), job));
    }
    channel->PostDone();
  }
}

void JobRunner::Shutdown() {
  std::vector<std::thread> workers;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    for (auto& j : queue_) j->cancel.store(true);
    for (auto& j : running_) j->cancel.store(true);
    workers.swap(workers_);
  }
  ready_.notify_all();
  for (auto& t : workers) t.join();
}

Napi::Value StartJob(Napi::Env env, std::shared_ptr<Job> job, Napi::Value onProgress) {
  if (!onProgress.IsUndefined() && !onProgress.IsNull() && !onProgress.IsFunction()) {
    throw MakeError(env, dln::ErrorCode::Type, "onProgress", "expected a function or undefined");
  }
  auto channel = std::make_shared<JobChannel>(env);
  channel->job = job;
  if (onProgress.IsFunction()) channel->onProgress = Napi::Persistent(onProgress.As<Napi::Function>());
  // The context pointer stays valid: the channel is owned by the job, and the job by the runner
  // until PostDone has queued the final call; the finalizer drops the last reference.
  auto* holder = new std::shared_ptr<JobChannel>(channel);
  channel->tsfn = Tsfn::New(env, "dlnflow-job", 0, 1, channel.get(),
                            [holder](Napi::Env, void*, JobChannel*) { delete holder; });
  job->channel = channel;
  Napi::Promise promise = channel->deferred.Promise();
  Runner(env).Submit(job);

  auto handle = Napi::Object::New(env);
  handle.Set("promise", promise);
  std::weak_ptr<Job> weak = job;
  handle.Set("cancel", Napi::Function::New(env, [weak](const Napi::CallbackInfo& info) -> Napi::Value {
               if (auto j = weak.lock()) j->cancel.store(true);
               return info.Env().Undefined();
             }));
  return handle;
}

}  // namespace binding
