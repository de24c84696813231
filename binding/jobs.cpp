#include "jobs.hpp"

#include <algorithm>

#include "addon.hpp"
#include "process.hpp"

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
// the worker signals through. `mutex` guards every call into the thread-safe function together
// with `closed`: once closed (released, closing, or finalized) it is never called again, and the
// finalizer takes the mutex first, so no worker can be inside a call when the function is freed.
struct JobChannel {
  std::shared_ptr<Job> job;
  Napi::Promise::Deferred deferred;
  Napi::FunctionReference onProgress;
  Tsfn tsfn;
  std::mutex mutex;
  bool closed = false;
  dln::Progress latest;
  bool progressPending = false;
  CapturedError callbackError;  // a throw from the JS progress callback

  explicit JobChannel(Napi::Env env) : deferred(Napi::Promise::Deferred::New(env)) {}

  void PostProgress(const dln::Progress& p) {
    std::lock_guard<std::mutex> lock(mutex);
    latest = p;
    if (closed || progressPending) return;
    progressPending = true;
    auto* m = new Message{MessageKind::Progress};
    const napi_status status = tsfn.NonBlockingCall(m);
    if (status != napi_ok) {
      delete m;
      progressPending = false;
      if (status == napi_closing) closed = true;  // teardown: the function released our reference
    }
  }

  void PostDone() {
    std::lock_guard<std::mutex> lock(mutex);
    if (closed) return;
    closed = true;
    auto* m = new Message{MessageKind::Done};
    const napi_status status = tsfn.BlockingCall(m);
    if (status != napi_ok) delete m;
    if (status != napi_closing) tsfn.Release();  // on napi_closing the reference is already gone
  }

  // The thread-safe function's finalizer (main thread, environment still valid): never call it
  // again, drop the JS reference here rather than on a worker thread, and break the job <-> channel
  // cycle (a job torn down before it finished never gets its Done call).
  void Finalize() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      closed = true;
    }
    onProgress.Reset();
    job.reset();
  }
};

namespace {

// Main thread. Settles the promise (Done) or calls the progress callback with the latest value.
void Deliver(Napi::Env env, JobChannel& channel, MessageKind kind) {
  Napi::HandleScope scope(env);
  if (kind == MessageKind::Progress) {
    dln::Progress p;
    {
      std::lock_guard<std::mutex> lock(channel.mutex);
      p = channel.latest;
      channel.progressPending = false;
    }
    if (channel.onProgress.IsEmpty() || channel.callbackError.present || !channel.job) return;
    try {
      channel.onProgress.Call({channel.job->ProgressValue(env, p)});
    } catch (const Napi::Error& e) {
      // A throwing progress callback stops the job; its error becomes the rejection.
      channel.callbackError.present = true;
      channel.callbackError.code = dln::ErrorCode::Internal;
      channel.callbackError.message = std::string("onProgress threw: ") + e.Message();
      channel.job->cancel.store(true);
    }
    return;
  }
  if (!channel.job) return;
  Job& job = *channel.job;
  try {
    if (channel.callbackError.present) {
      channel.deferred.Reject(channel.callbackError.toJs(env).Value());
    } else if (job.error.present) {
      channel.deferred.Reject(job.error.toJs(env).Value());
    } else {
      channel.deferred.Resolve(job.Result(env));
    }
  } catch (const Napi::Error& e) {
    channel.deferred.Reject(e.Value());
  } catch (const std::exception& e) {
    CapturedError c;
    c.capture(e);
    channel.deferred.Reject(c.toJs(env).Value());
  }
  channel.onProgress.Reset();
  channel.job.reset();  // the job owns the channel too: break the cycle once settled
}

void CallJs(Napi::Env env, Napi::Function, JobChannel* channel, Message* message) {
  std::unique_ptr<Message> owned(message);
  // env == nullptr: the function is being deleted after its finalizer (which released everything;
  // the channel may be gone): nothing to settle, nothing to touch.
  if (env == nullptr || channel == nullptr) return;
  try {
    Deliver(env, *channel, message->kind);
  } catch (...) {
    // JS cannot run any more (the environment is terminating): a rejection cannot be delivered
    // either. Never let an exception leave a thread-safe function callback (std::terminate).
  }
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

JobRunner::JobRunner(std::size_t threads) : threads_(std::max<std::size_t>(1, threads)) { process::AddRunner(this); }

JobRunner::~JobRunner() {
  Shutdown();
  process::RemoveRunner(this);
}

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
    // The process-wide gate (OpenBLAS's buffer pool, exit): never hold mutex_ across it.
    if (process::BeginJob(job->cancel)) {
      dln::RunControl control(&job->cancel, [channel](const dln::Progress& p) { channel->PostProgress(p); });
      try {
        job->Execute(control);
      } catch (const std::exception& e) {
        job->error.capture(e);
      } catch (...) {
        job->error.present = true;
        job->error.message = "unknown native error";
      }
      if (process::EndJob()) process::Park();  // exit() is running: touch nothing any more
    } else {
      if (process::Exiting()) process::Park();
      job->error.present = true;  // cancelled before it could start: there is no partial result
      job->error.code = dln::ErrorCode::Cancelled;
      job->error.message = "cancelled before it started";
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      running_.erase(std::find(running_.begin(), running_.end(), job));
    }
    channel->PostDone();
  }
}

void JobRunner::CancelAll() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& j : queue_) j->cancel.store(true);
  for (auto& j : running_) j->cancel.store(true);
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
  // First, as it may throw (DLNFLOW_THREADS): a thread-safe function created before a throw would
  // never be released and would keep the event loop alive.
  JobRunner& runner = Runner(env);
  auto channel = std::make_shared<JobChannel>(env);
  channel->job = job;
  if (onProgress.IsFunction()) channel->onProgress = Napi::Persistent(onProgress.As<Napi::Function>());
  // The context pointer stays valid until the finalizer: `holder` keeps the channel alive until
  // then, and CallJs never touches the context after it (env == nullptr).
  auto* holder = new std::shared_ptr<JobChannel>(channel);
  channel->tsfn = Tsfn::New(env, "dlnflow-job", 0, 1, channel.get(), [holder](Napi::Env, void*, JobChannel* ch) {
    ch->Finalize();
    delete holder;
  });
  job->channel = channel;
  Napi::Promise promise = channel->deferred.Promise();
  runner.Submit(job);

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
