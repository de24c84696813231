// A trajectory record: named columns, each holding `width` numbers per recorded row (width 1 for
// scalars such as the loss, k for the top-k singular values). Probes declare their columns once
// and append one row per recording.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace dln {

class Trace {
 public:
  struct Column {
    std::string name;
    std::size_t width;
    std::vector<double> values;  // rows * width
  };

  // Declares a column (or returns the existing one); returns its index.
  std::size_t declare(const std::string& name, std::size_t width = 1);
  std::size_t find(const std::string& name) const;  // npos when absent
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  void push(std::size_t column, double value) { columns_[column].values.push_back(value); }
  void push(std::size_t column, const double* values, std::size_t count);

  std::size_t rows() const;
  const std::vector<Column>& columns() const { return columns_; }
  const Column& column(std::size_t i) const { return columns_[i]; }
  void reserve(std::size_t rows);
  // Drops every row, keeping the columns and their capacity (a scratch trace reused per point).
  void clearRows();
  // Keeps the first `rows` rows of every column (drops a partly written row; no reallocation).
  void truncateRows(std::size_t rows);
  // Frees column i's storage (once it has been copied out); returns the bytes freed.
  std::size_t freeColumn(std::size_t i);

 private:
  std::vector<Column> columns_;
};

}  // namespace dln
