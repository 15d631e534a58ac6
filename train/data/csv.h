// RFC 4180 CSV reader: comma separated; fields may be quoted with '"'; inside quotes commas, CR
// and LF are data and '""' is one quote; records end with LF or CRLF; a UTF-8 BOM at the start
// and a final empty line are ignored. Malformed input (unterminated quote, text after a closing
// quote, a quote inside an unquoted field) throws DataError naming the source and the line.
#pragma once

#include <string>
#include <vector>

namespace acl::data {

using CsvRow = std::vector<std::string>;

// All records of `text`, in order. `line_numbers` (optional) receives each record's first line.
std::vector<CsvRow> parse_csv(const std::string& text, const std::string& source,
                              std::vector<int>* line_numbers = nullptr);

// A CSV file whose first record is a header of column names.
class CsvTable {
 public:
  CsvTable(std::string source, std::vector<CsvRow> records, std::vector<int> line_numbers);

  const std::string& source() const { return source_; }
  const CsvRow& columns() const { return columns_; }
  size_t size() const { return rows_.size(); }
  const CsvRow& row(size_t i) const { return rows_.at(i); }
  int line(size_t i) const { return lines_.at(i); }  // first line of data row i in the file
  bool has_column(const std::string& name) const { return find_column(name) >= 0; }
  int find_column(const std::string& name) const;  // -1 if absent
  int column(const std::string& name) const;       // throws DataError if absent
  const std::string& at(size_t row, const std::string& column_name) const;

 private:
  std::string source_;
  CsvRow columns_;
  std::vector<CsvRow> rows_;
  std::vector<int> lines_;
};

// Every data row must have as many fields as the header; otherwise DataError names the line.
CsvTable parse_csv_table(const std::string& text, const std::string& source);
CsvTable read_csv_table(const std::string& path);

}  // namespace acl::data
