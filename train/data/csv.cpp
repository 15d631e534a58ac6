#include "train/data/csv.h"

#include "engine/util/strings.h"
#include "train/data/data_error.h"
#include "train/data/parse_util.h"

namespace acl::data {

std::vector<CsvRow> parse_csv(const std::string& text, const std::string& source,
                              std::vector<int>* line_numbers) {
  std::vector<CsvRow> rows;
  if (line_numbers) line_numbers->clear();
  size_t i = 0;
  const size_t n = text.size();
  if (n >= 3 && text.compare(0, 3, "\xEF\xBB\xBF") == 0) i = 3;
  int line = 1;
  auto fail = [&](int at, const std::string& what) {
    throw DataError(source + " line " + std::to_string(at) + ": " + what);
  };
  while (i < n) {
    CsvRow row;
    const int row_line = line;
    bool end_of_record = false;
    while (!end_of_record) {
      std::string field;
      if (i < n && text[i] == '"') {
        const int quote_line = line;
        ++i;
        while (true) {
          if (i >= n) fail(quote_line, "quoted field never closed");
          char c = text[i];
          if (c == '"') {
            if (i + 1 < n && text[i + 1] == '"') {
              field += '"';
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          if (c == '\n') ++line;
          field += c;
          ++i;
        }
        if (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
          fail(line, "unexpected '" + strings::printable(std::string(1, text[i])) +
                         "' after a closing quote");
        }
      } else {
        while (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
          if (text[i] == '"') {
            fail(line, "quote inside the unquoted field '" + strings::printable(field + "\"") +
                           "' (quote the field)");
          }
          field += text[i++];
        }
      }
      row.push_back(std::move(field));
      if (i >= n) {
        end_of_record = true;
      } else if (text[i] == ',') {
        ++i;
      } else {  // CRLF, LF or a lone CR ends the record
        if (text[i] == '\r' && i + 1 < n && text[i + 1] == '\n') ++i;
        ++i;
        ++line;
        end_of_record = true;
      }
    }
    rows.push_back(std::move(row));
    if (line_numbers) line_numbers->push_back(row_line);
  }
  return rows;
}

CsvTable::CsvTable(std::string source, std::vector<CsvRow> records, std::vector<int> lines)
    : source_(std::move(source)) {
  if (records.empty()) throw DataError(source_ + ": empty CSV, expected a header row");
  columns_ = std::move(records[0]);
  rows_.assign(std::make_move_iterator(records.begin() + 1),
               std::make_move_iterator(records.end()));
  lines_.assign(lines.begin() + std::min<size_t>(1, lines.size()), lines.end());
  lines_.resize(rows_.size(), 0);
}

int CsvTable::find_column(const std::string& name) const {
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (columns_[i] == name) return static_cast<int>(i);
  }
  return -1;
}

int CsvTable::column(const std::string& name) const {
  int c = find_column(name);
  if (c < 0) throw DataError(source_ + ": no column '" + name + "' in the header row");
  return c;
}

const std::string& CsvTable::at(size_t row, const std::string& column_name) const {
  return rows_.at(row).at(static_cast<size_t>(column(column_name)));
}

CsvTable parse_csv_table(const std::string& text, const std::string& source) {
  std::vector<int> lines;
  std::vector<CsvRow> records = parse_csv(text, source, &lines);
  CsvTable table(source, std::move(records), std::move(lines));
  for (size_t r = 0; r < table.size(); ++r) {
    if (table.row(r).size() != table.columns().size()) {
      throw DataError(source + " line " + std::to_string(table.line(r)) + ": " +
                      std::to_string(table.row(r).size()) + " fields, the header row has " +
                      std::to_string(table.columns().size()));
    }
  }
  return table;
}

CsvTable read_csv_table(const std::string& path) {
  return parse_csv_table(detail::read_text_file(path), path);
}

}  // namespace acl::data
