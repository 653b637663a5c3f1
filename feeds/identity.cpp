#include "feeds/identity.hpp"

#include <cstdio>
#include <string_view>

#include <xxhash.h>

#include "feeds/text.hpp"

namespace feedd::feeds {

namespace {

// prefix + text in one allocation ("id:" + std::string(text) made two).
std::string prefixed(std::string_view prefix, std::string_view text) {
    std::string out;
    out.reserve(prefix.size() + text.size());
    out.append(prefix).append(text);
    return out;
}

}  // namespace

std::string item_key(const item& it) {
    if (it.id) {
        if (const auto id = trim(*it.id); !id.empty()) {
            return prefixed("id:", id);
        }
    }
    if (it.link) {
        if (const auto link = trim(*it.link); !link.empty()) return prefixed("link:", link);
    }
    // No identity given: hash what a re-poll would see again unchanged.
    std::string material = it.title.value_or("");
    material += '\n';
    material += it.published ? format_rfc3339(*it.published) : it.summary.value_or("");
    const XXH64_hash_t hash = XXH3_64bits(material.data(), material.size());
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
    return std::string("hash:") + hex;
}

}  // namespace feedd::feeds
