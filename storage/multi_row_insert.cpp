#include "storage/multi_row_insert.hpp"

#include <cctype>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>

namespace feedd::storage {
namespace {

// The row's values with each ?N numbered N + offset.
void append_row(std::string& sql, const std::string& row, int offset) {
    for (std::size_t i = 0; i < row.size();) {
        if (row[i] != '?') {
            sql += row[i++];
            continue;
        }
        std::size_t end = i + 1;
        int number = 0;
        while (end < row.size() && std::isdigit(static_cast<unsigned char>(row[end])) != 0)
            number = number * 10 + (row[end++] - '0');
        if (end == i + 1) {
            throw std::logic_error(
                fmt::format("multi_row_insert: row \"{}\" has an unnumbered ? at {}", row, i));
        }
        sql += fmt::format("?{}", number + offset);
        i = end;
    }
}

}  // namespace

multi_row_insert::multi_row_insert(SQLite::Database& db, std::string head, std::string row,
                                   int parameters, std::string tail, std::size_t max_rows)
    : db_(db),
      head_(std::move(head)),
      row_(std::move(row)),
      parameters_(parameters),
      tail_(std::move(tail)),
      max_rows_(max_rows == 0 ? 1 : max_rows) {}

std::size_t multi_row_insert::largest_chunk(std::size_t left) const {
    std::size_t chunk = 1;
    while (chunk * 2 <= left && chunk * 2 <= max_rows_)
        chunk *= 2;
    return chunk;
}

SQLite::Statement& multi_row_insert::statement(std::size_t rows) {
    std::size_t power = 0;
    while ((std::size_t{1} << power) < rows)
        ++power;
    if (by_power_.size() <= power) by_power_.resize(power + 1);
    auto& stmt = by_power_[power];
    if (!stmt) {
        std::string sql = head_;
        for (std::size_t i = 0; i < rows; ++i) {
            sql += i == 0 ? "\n" : ",\n";
            append_row(sql, row_, static_cast<int>(i) * parameters_);
        }
        sql += '\n';
        sql += tail_;
        stmt = std::make_unique<SQLite::Statement>(db_, sql);
    }
    return *stmt;
}

}  // namespace feedd::storage
