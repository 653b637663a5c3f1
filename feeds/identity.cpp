#include "feeds/identity.hpp"

#include <cstdio>

#include <xxhash.h>

#include "feeds/text.hpp"

namespace feedd::feeds {

std::string item_key(const item& it) {
    if (it.id) {
        if (const auto id = trim(*it.id); !id.empty()) {
            return "id:" + std::string(id);
        }
    }
    if (it.link && !trim(*it.link).empty()) {
        return "link:" + std::string(trim(*it.link));
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
