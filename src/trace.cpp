#include "trace.hpp"

#include <limits>

namespace dln {

std::size_t Trace::declare(const std::string& name, std::size_t width) {
  const std::size_t existing = find(name);
  if (existing != npos) return existing;
  columns_.push_back({name, width, {}});
  return columns_.size() - 1;
}

std::size_t Trace::find(const std::string& name) const {
  for (std::size_t i = 0; i < columns_.size(); ++i)
    if (columns_[i].name == name) return i;
  return npos;
}

void Trace::push(std::size_t column, const double* values, std::size_t count) {
  Column& c = columns_[column];
  for (std::size_t i = 0; i < c.width; ++i) {
    c.values.push_back(i < count ? values[i] : std::numeric_limits<double>::quiet_NaN());
  }
}

std::size_t Trace::rows() const {
  if (columns_.empty()) return 0;
  return columns_.front().values.size() / columns_.front().width;
}

void Trace::reserve(std::size_t rows) {
  for (Column& c : columns_) c.values.reserve(rows * c.width);
}

void Trace::clearRows() {
  for (Column& c : columns_) c.values.clear();
}

std::size_t Trace::freeColumn(std::size_t i) {
  const std::size_t bytes = columns_[i].values.capacity() * sizeof(double);
  std::vector<double>().swap(columns_[i].values);
  return bytes;
}

void Trace::truncateRows(std::size_t rows) {
  for (Column& c : columns_) {
    if (c.values.size() > rows * c.width) c.values.resize(rows * c.width);
  }
}

}  // namespace dln
