// The JSON text of the items table's authors, categories and enclosures columns, written
// directly: the pool derives these three short arrays for every fetched item, and building
// Boost.JSON values only to serialise and destroy them cost ~5 % of its work. The bytes are
// exactly what boost::json::serialize gives for the same arrays (tests compare the two), so
// stored rows and their readers (boost::json::parse) see no change.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "feeds/model.hpp"

namespace feedd::storage {

// `value` as a JSON string, quoted and escaped as Boost.JSON's serializer does: '"', '\\' and
// bytes below 0x20 only ("\b \t \n \f \r" by name, the rest as "\u00xx"); all other bytes,
// invalid UTF-8 included, are copied as they are.
void append_json_string(std::string& out, std::string_view value);

// ["a","b"]
std::string strings_to_json(const std::vector<std::string>& values);

// [{"name":…,"email":…,"url":…}], a missing field as null.
std::string authors_to_json(const std::vector<feeds::person>& authors);

// [{"url":…,"type":…,"length":…}], a missing type or length as null.
std::string enclosures_to_json(const std::vector<feeds::enclosure>& enclosures);

}  // namespace feedd::storage
