#include "stories/normalise.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <iterator>
#include <vector>

#include <utf8proc.h>

#include "feeds/text.hpp"
#include "stories/fold.hpp"

namespace feedd::stories {
namespace {

bool is_ascii(std::string_view text) {
    return std::all_of(text.begin(), text.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

bool is_ascii_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool is_ascii_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// Lower-case NFKC without accents: plain ASCII lower-casing when the text is ASCII (the common
// case, and what fold_text gives for ASCII anyway).
std::string fold(std::string_view text) {
    if (is_ascii(text)) return feeds::ascii_lower(text);
    return fold_text(text);
}

// House-style variants that mean the same word: mapped to one spelling.
std::string_view canonical(std::string_view word) {
    struct entry {
        std::string_view from, to;
    };
    static constexpr entry table[] = {
        {"percent", "pct"},      {"pc", "pct"},           {"million", "mln"},
        {"mn", "mln"},           {"millions", "mln"},     {"billion", "bln"},
        {"bn", "bln"},           {"billions", "bln"},     {"dollars", "dlrs"},
        {"dollar", "dlrs"},      {"dlr", "dlrs"},         {"cents", "cts"},
        {"cent", "cts"},         {"ct", "cts"},           {"sterling", "stg"},
        {"pounds", "stg"},       {"said", "say"},         {"says", "say"},
        {"thousand", "000"},     {"january", "jan"},      {"february", "feb"},
        {"march", "mar"},        {"april", "apr"},        {"june", "jun"},
        {"july", "jul"},         {"august", "aug"},       {"september", "sep"},
        {"sept", "sep"},         {"october", "oct"},      {"november", "nov"},
        {"december", "dec"},     {"corp", "corporation"}, {"co", "company"},
        {"inc", "incorporated"}, {"ltd", "limited"},      {"plc", "limited"},
        {"usa", "us"},           {"shr", "share"},        {"shrs", "share"},
        {"pcts", "pct"},         {"percentage", "pct"},   {"mlns", "mln"},
    };
    // Sorted by (length, text) once; a lookup is a binary search that mostly compares lengths.
    static const std::vector<entry> sorted = [] {
        std::vector<entry> v(std::begin(table), std::end(table));
        std::sort(v.begin(), v.end(), [](const entry& a, const entry& b) {
            return a.from.size() != b.from.size() ? a.from.size() < b.from.size() : a.from < b.from;
        });
        return v;
    }();
    if (word.size() < 2 || word.size() > 10) return word;
    const auto it = std::lower_bound(sorted.begin(), sorted.end(), word,
                                     [](const entry& e, std::string_view w) {
                                         return e.from.size() != w.size() ? e.from.size() < w.size()
                                                                          : e.from < w;
                                     });
    if (it != sorted.end() && it->from == word) return it->to;
    return word;
}

bool is_word_code_point(std::int32_t cp) {
    switch (utf8proc_category(cp)) {
        case UTF8PROC_CATEGORY_LU:
        case UTF8PROC_CATEGORY_LL:
        case UTF8PROC_CATEGORY_LT:
        case UTF8PROC_CATEGORY_LM:
        case UTF8PROC_CATEGORY_LO:
        case UTF8PROC_CATEGORY_ND:
        case UTF8PROC_CATEGORY_NL:
        case UTF8PROC_CATEGORY_NO:
        case UTF8PROC_CATEGORY_MN:
        case UTF8PROC_CATEGORY_MC:
            return true;
        default:
            return false;
    }
}

// Appends the words of folded text to out (space separated), canonicalised.
void append_words(std::string& out, std::string_view text) {
    std::string word;
    const auto emit = [&] {
        if (word.empty()) return;
        std::string_view w = canonical(word);
        // "per cent" → "pct"
        if (w == "cts" && word == "cent" && out.size() >= 4 &&
            std::string_view(out).substr(out.size() - 4) == " per") {
            out.resize(out.size() - 4);
            w = "pct";
        } else if (w == "cts" && word == "cent" && out == "per") {
            out.clear();
            w = "pct";
        }
        if (!out.empty()) out.push_back(' ');
        out.append(w);
        word.clear();
    };
    std::size_t i = 0;
    bool acronym = false;
    while (i < text.size()) {
        const char c = text[i];
        const auto uc = static_cast<unsigned char>(c);
        if (uc < 0x80) {
            if (is_ascii_alnum(c)) {
                word.push_back(lower(c));
                ++i;
                continue;
            }
            // "u.s." and "u.k." are one word: a dot between single letters joins them.
            if (c == '.' && i + 1 < text.size() && is_ascii_alpha(text[i + 1]) &&
                (i + 2 >= text.size() || !is_ascii_alnum(text[i + 2])) &&
                ((word.size() == 1 && is_ascii_alpha(word[0])) || acronym)) {
                acronym = true;
                ++i;
                continue;
            }
            acronym = false;
            emit();
            if (c == '%') {
                word = "percent";
                emit();
            }
            ++i;
            continue;
        }
        utf8proc_int32_t cp = 0;
        const auto used =
            utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(text.data() + i),
                             static_cast<utf8proc_ssize_t>(text.size() - i), &cp);
        const std::size_t step = used < 1 ? 1 : static_cast<std::size_t>(used);
        if (used >= 1 && is_word_code_point(cp)) {
            word.append(text.substr(i, step));
        } else {
            acronym = false;
            emit();
        }
        i += step;
    }
    emit();
}

std::size_t count_words(std::string_view text) {
    std::size_t n = 0;
    bool in_word = false;
    for (const char c : text) {
        const bool space = c == ' ';
        if (!space && !in_word) ++n;
        in_word = !space;
    }
    return n;
}

bool contains_any(std::string_view text, std::initializer_list<std::string_view> needles) {
    return std::any_of(needles.begin(), needles.end(), [&](std::string_view needle) {
        return text.find(needle) != std::string_view::npos;
    });
}

bool starts_with_any(std::string_view text, std::initializer_list<std::string_view> needles) {
    while (!text.empty() && (text.front() == '(' || text.front() == ' ' || text.front() == '[')) {
        text.remove_prefix(1);
    }
    return std::any_of(needles.begin(), needles.end(),
                       [&](std::string_view needle) { return text.starts_with(needle); });
}

// Phrases that only outlet furniture uses: a short paragraph holding one is not story text.
bool is_boilerplate_paragraph(std::string_view folded, bool first) {
    if (starts_with_any(folded, {"reporting by",
                                 "additional reporting",
                                 "writing by",
                                 "editing by",
                                 "compiled by",
                                 "the post ",
                                 "read more",
                                 "continue reading",
                                 "read the full",
                                 "related coverage",
                                 "related:",
                                 "related stories",
                                 "see also",
                                 "more:",
                                 "sign up",
                                 "subscribe",
                                 "follow us",
                                 "copyright",
                                 "\xc2\xa9",
                                 "(c) ",
                                 "all rights reserved",
                                 "our standards",
                                 "click here",
                                 "share this",
                                 "advertisement"})) {
        return true;
    }
    if (first) return false;
    return count_words(folded) <= 40 &&
           contains_any(
               folded, {"appeared first on", "all rights reserved", "copyright", "\xc2\xa9",
                        "reporting by", "editing by", "writing by", "newsletter", "sign up",
                        "subscribe", "trust principles", "http://", "https://", "www.", "read more",
                        "continue reading", "related coverage", "follow us", "click here"});
}

// Removes "(Reporting by ...; Editing by ...)" credits from folded text.
void strip_credits(std::string& folded) {
    std::size_t from = 0;
    while ((from = folded.find('(', from)) != std::string::npos) {
        const auto close = folded.find(')', from);
        if (close == std::string::npos) return;
        const std::string_view inside(folded.data() + from, close - from);
        if (contains_any(inside, {"reporting by", "editing by", "writing by", "compiled by",
                                  "reporting and writing", "additional reporting"})) {
            folded.erase(from, close + 1 - from);
        } else {
            from = close + 1;
        }
    }
}

// Cuts a trailing "continue reading" / "read more" tail (a summary's link text).
void strip_tail(std::string& folded) {
    for (const std::string_view tail :
         {"continue reading", "read more", "read the full story", "the post ", "click here"}) {
        const std::size_t from = folded.size() > 120 ? folded.size() - 120 : 0;
        const auto found = std::string_view(folded).substr(from).rfind(tail);
        if (found == std::string_view::npos) continue;
        const std::size_t at = from + found;
        if (count_words(std::string_view(folded).substr(at)) <= 12) folded.resize(at);
    }
}

// "WASHINGTON, March 3 - " or "LOWELL (Reuters) -": a dateline of a few words before a dash.
void strip_dateline(std::string& folded) {
    const std::string_view view(folded);
    const std::size_t limit = std::min<std::size_t>(view.size(), 80);
    for (std::size_t i = 1; i + 2 < limit; ++i) {
        if (view[i] != ' ') continue;
        std::size_t dash_len = 0;
        if (view[i + 1] == '-' && view[i + 2] == ' ') {
            dash_len = 3;
        } else if (view[i + 1] == '-' && i + 3 < view.size() && view[i + 2] == '-' &&
                   view[i + 3] == ' ') {
            dash_len = 4;
        } else if (view[i + 1] == '\xe2' && i + 4 < view.size() && view[i + 2] == '\x80' &&
                   (view[i + 3] == '\x94' || view[i + 3] == '\x93') && view[i + 4] == ' ') {
            dash_len = 5;
        }
        if (dash_len == 0) continue;
        const auto prefix = view.substr(0, i);
        if (count_words(prefix) <= 7 && prefix.find(". ") == std::string_view::npos) {
            folded.erase(0, i + dash_len);
        }
        return;
    }
}

// Paragraph boundaries: newlines and the HTML tags that start or end a block.
std::vector<std::string_view> split_paragraphs(std::string_view text) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        bool cut = text[i] == '\n';
        if (text[i] == '<' && i + 2 < text.size()) {
            std::size_t j = i + 1;
            if (text[j] == '/') ++j;
            std::size_t k = j;
            while (k < text.size() && is_ascii_alpha(text[k]))
                ++k;
            const std::string name = feeds::ascii_lower(text.substr(j, k - j));
            cut = name == "p" || name == "br" || name == "div" || name == "li" || name == "h1" ||
                  name == "h2" || name == "h3" || name == "blockquote";
        }
        if (cut) {
            if (i > start) out.push_back(text.substr(start, i - start));
            start = text[i] == '\n' ? i + 1 : i;
        }
    }
    if (start < text.size()) out.push_back(text.substr(start));
    return out;
}

bool is_title_decoration(std::string_view word) {
    static constexpr std::string_view words[] = {
        "update",  "updated",  "exclusive", "corrected", "correction", "refile",
        "wrapup",  "breaking", "report",    "reports",   "analysis",   "factbox",
        "insight", "preview",  "rpt",       "urgent",    "flash",      "video",
        "watch",   "live",     "explainer", "reuters",   "opinion",    "developing"};
    return std::find(std::begin(words), std::end(words), word) != std::end(words);
}

bool is_stop_word(std::string_view word) {
    static constexpr std::string_view words[] = {
        "company", "corporation", "incorporated", "limited", "group", "holding", "holdings", "unit",
        "units",   "a",           "an",           "the",     "and",   "or",      "of",       "to",
        "in",      "on",          "at",           "for",     "by",    "with",    "from",     "as",
        "is",      "are",         "was",          "were",    "be",    "been",    "it",       "its",
        "this",    "that",        "these",        "has",     "have",  "had",     "will",     "say",
        "not",     "no",          "but",          "up",      "down",  "over",    "after",    "into",
        "than",    "new",         "more",         "s",       "his",   "her",     "their",    "he",
        "she"};
    return std::find(std::begin(words), std::end(words), word) != std::end(words);
}

std::size_t count_spaces(std::string_view text) {
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), ' '));
}

}  // namespace

std::string normalise_text(std::string_view text_html) {
    std::string out;
    out.reserve(text_html.size());
    bool first = true;
    for (const auto paragraph : split_paragraphs(text_html)) {
        std::string folded = fold(feeds::html_to_text(paragraph));
        if (folded.empty()) continue;
        if (first) strip_dateline(folded);
        strip_credits(folded);
        if (is_boilerplate_paragraph(folded, first)) continue;
        strip_tail(folded);
        const auto before = out.size();
        append_words(out, folded);
        if (out.size() > before) first = false;
    }
    return out;
}

std::string normalise_title(std::string_view title) {
    std::string text = feeds::html_to_text(title);
    std::string_view view(text);
    // Trailing outlet: "... | Outlet", "... - Reuters", "... (Reuters)".
    if (const auto bar = view.rfind(" | "); bar != std::string_view::npos && bar > 0) {
        view = view.substr(0, bar);
    }
    for (const std::string_view dash : {" - ", " \xe2\x80\x94 ", " \xe2\x80\x93 "}) {
        const auto at = view.rfind(dash);
        if (at != std::string_view::npos && at > 0 &&
            count_spaces(view.substr(at + dash.size())) <= 3) {
            view = view.substr(0, at);
        }
    }
    if (!view.empty() && view.back() == ')') {
        const auto open = view.rfind('(');
        if (open != std::string_view::npos && open > 0 && count_spaces(view.substr(open)) <= 2) {
            view = view.substr(0, open);
        }
    }
    // Leading decoration: "UPDATE 1-", "EXCLUSIVE-", "Breaking: ", "Report: ".
    {
        std::size_t i = 0;
        while (i < view.size() && is_ascii_alpha(view[i]))
            ++i;
        const std::string word = feeds::ascii_lower(view.substr(0, i));
        std::size_t j = i;
        if (j < view.size() && view[j] == ' ' && j + 1 < view.size() && view[j + 1] >= '0' &&
            view[j + 1] <= '9') {
            j += 1;
            while (j < view.size() && view[j] >= '0' && view[j] <= '9')
                ++j;
        }
        if (i > 0 && is_title_decoration(word) && j < view.size() &&
            (view[j] == '-' || view[j] == ':')) {
            view.remove_prefix(j + 1);
        } else if (const auto colon = view.find(": ");
                   colon != std::string_view::npos && colon < 30 &&
                   count_spaces(view.substr(0, colon)) <= 1 && count_spaces(view) >= 4) {
            view.remove_prefix(colon + 2);  // "Kremlin: ...": a one-word kicker
        }
    }
    std::string out;
    append_words(out, fold(view));
    return out;
}

std::vector<std::string_view> title_content_words(std::string_view normalised_title) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (start < normalised_title.size()) {
        auto end = normalised_title.find(' ', start);
        if (end == std::string_view::npos) end = normalised_title.size();
        const auto word = normalised_title.substr(start, end - start);
        if (word.size() >= 2 && !is_stop_word(word) && !is_title_decoration(word)) {
            out.push_back(word);
        }
        start = end + 1;
    }
    return out;
}

}  // namespace feedd::stories
