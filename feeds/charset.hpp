// Character set handling for feed documents: picks the encoding (HTTP charset >
// BOM > XML declaration > UTF-8) and converts the bytes to UTF-8 with iconv.
// Invalid UTF-8 under a UTF-8 label is read as windows-1252, as browsers do. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace feedd::feeds {

// The charset parameter of a Content-Type header, lower-cased; "" when absent.
std::string charset_from_content_type(std::string_view content_type);

// The code point windows-1252 maps a byte to (0x81 etc. map to themselves).
char32_t windows1252_code_point(unsigned char byte);

// True when the bytes are well-formed UTF-8.
bool is_valid_utf8(std::string_view bytes);

// The bytes with every ill-formed UTF-8 sequence replaced by U+FFFD (one per bad byte).
std::string to_valid_utf8(std::string_view bytes);

struct decoded_text {
    std::optional<std::string> utf8;  // set on success, without a BOM
    std::string encoding;             // the encoding used, e.g. "utf-8", "windows-1252"
    std::string error;                // set on failure
};

// Converts a document to UTF-8. http_charset may be empty.
decoded_text decode_document(std::string_view bytes, std::string_view http_charset);

}  // namespace feedd::feeds
