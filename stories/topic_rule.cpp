#include "stories/topic_rule.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <utf8proc.h>

#include "feeds/text.hpp"
#include "stories/fold.hpp"

namespace feedd::stories {
namespace {

constexpr std::string_view term_expectation = R"(a word, a "phrase" or "(")";
constexpr std::string_view field_list = "title:, text:, feed:, tag:, source:, category:";

// The fields a prepared item stores, in storage order; `any` is title and text together.
constexpr std::size_t title_index = 0;
constexpr std::size_t text_index = 1;
constexpr std::size_t feed_index = 2;
constexpr std::size_t tag_index = 3;
constexpr std::size_t source_index = 4;
constexpr std::size_t category_index = 5;
constexpr std::size_t field_count = 6;

// Letters, numbers and private-use characters make words, as in FTS5's unicode61 tokenizer,
// so a search's FTS prefilter and the matcher agree on where words end.
bool is_word_code_point(utf8proc_int32_t cp) {
    if (cp < 0x80) {
        return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9');
    }
    switch (utf8proc_category(cp)) {
        case UTF8PROC_CATEGORY_LU:
        case UTF8PROC_CATEGORY_LL:
        case UTF8PROC_CATEGORY_LT:
        case UTF8PROC_CATEGORY_LM:
        case UTF8PROC_CATEGORY_LO:
        case UTF8PROC_CATEGORY_ND:
        case UTF8PROC_CATEGORY_NL:
        case UTF8PROC_CATEGORY_NO:
        case UTF8PROC_CATEGORY_CO:
            return true;
        default:
            return false;
    }
}

// Calls emit(offset, length) for each word of folded (valid UTF-8, as fold_text returns).
template <typename Emit>
void split_words(std::string_view folded, Emit&& emit) {
    const auto* data = reinterpret_cast<const utf8proc_uint8_t*>(folded.data());
    const auto size = static_cast<utf8proc_ssize_t>(folded.size());
    utf8proc_ssize_t pos = 0;
    utf8proc_ssize_t word_start = -1;
    while (pos < size) {
        utf8proc_int32_t cp = 0;
        utf8proc_ssize_t used = 1;
        if (data[pos] < 0x80) {
            cp = data[pos];
        } else {
            used = utf8proc_iterate(data + pos, size - pos, &cp);
            if (used < 1) {
                used = 1;
                cp = -1;
            }
        }
        const bool inside = cp >= 0 && is_word_code_point(cp);
        if (inside && word_start < 0) word_start = pos;
        if (!inside && word_start >= 0) {
            emit(static_cast<std::size_t>(word_start), static_cast<std::size_t>(pos - word_start));
            word_start = -1;
        }
        pos += used;
    }
    if (word_start >= 0) {
        emit(static_cast<std::size_t>(word_start), static_cast<std::size_t>(size - word_start));
    }
}

std::size_t field_slot(rule_field field) {
    switch (field) {
        case rule_field::any:
        case rule_field::title:
            return title_index;
        case rule_field::text:
            return text_index;
        case rule_field::feed:
            return feed_index;
        case rule_field::tag:
            return tag_index;
        case rule_field::source:
            return source_index;
        case rule_field::category:
            return category_index;
    }
    return title_index;
}

// ---- lexer -------------------------------------------------------------------------------

struct token {
    enum class kind : std::uint8_t {
        word,
        phrase,
        open,
        close,
        op_or,
        op_and,
        op_not,
        minus,
        field,
        end
    };
    kind type = kind::end;
    std::size_t offset = 0;  // byte offset in the expression
    std::string text;        // word or phrase text
    bool prefix = false;     // word* or "phrase"*
    rule_field field = rule_field::any;
};

struct parse_failure {
    std::size_t offset;
    std::string message;
};

std::optional<rule_field> field_named(std::string_view name) {
    const auto lower = feeds::ascii_lower(name);
    if (lower == "title") return rule_field::title;
    if (lower == "text") return rule_field::text;
    if (lower == "feed") return rule_field::feed;
    if (lower == "tag") return rule_field::tag;
    if (lower == "source") return rule_field::source;
    if (lower == "category") return rule_field::category;
    return std::nullopt;
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

bool ends_word(char c) {
    return is_space(c) || c == '(' || c == ')' || c == '"';
}

bool all_ascii_letters(std::string_view text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    });
}

std::vector<token> lex(std::string_view text) {
    std::vector<token> out;
    std::size_t i = 0;
    const auto operand_must_follow = [&](std::size_t at, std::string_view after) {
        if (at >= text.size() || is_space(text[at]) || text[at] == ')') {
            throw parse_failure{at,
                                fmt::format("expected {} right after {}", term_expectation, after)};
        }
    };
    while (i < text.size()) {
        const char c = text[i];
        if (is_space(c)) {
            ++i;
            continue;
        }
        token t;
        t.offset = i;
        if (c == '(') {
            t.type = token::kind::open;
            ++i;
        } else if (c == ')') {
            t.type = token::kind::close;
            ++i;
        } else if (c == '"') {
            const auto close = text.find('"', i + 1);
            if (close == std::string_view::npos) {
                throw parse_failure{i, R"(unclosed quote; expected a closing ")"};
            }
            t.type = token::kind::phrase;
            t.text = std::string(text.substr(i + 1, close - i - 1));
            i = close + 1;
            if (i < text.size() && text[i] == '*') {
                t.prefix = true;
                ++i;
            }
        } else if (c == '-') {
            operand_must_follow(i + 1, "-");
            t.type = token::kind::minus;
            ++i;
        } else {
            std::size_t end = i;
            while (end < text.size() && !ends_word(text[end]))
                ++end;
            const auto word = text.substr(i, end - i);
            const auto colon = word.find(':');
            if (colon != std::string_view::npos && all_ascii_letters(word.substr(0, colon)) &&
                word.substr(colon + 1, 2) != "//") {
                const auto name = word.substr(0, colon);
                const auto field = field_named(name);
                if (!field) {
                    throw parse_failure{
                        i, fmt::format(R"(unknown field "{}:"; expected one of {} (or put the )"
                                       R"(word in quotes to search for it))",
                                       name, field_list)};
                }
                t.type = token::kind::field;
                t.field = *field;
                i += colon + 1;
                operand_must_follow(i, fmt::format("{}:", name));
                out.push_back(std::move(t));
                continue;
            }
            i = end;
            if (word == "OR") {
                t.type = token::kind::op_or;
            } else if (word == "AND") {
                t.type = token::kind::op_and;
            } else if (word == "NOT") {
                t.type = token::kind::op_not;
            } else {
                t.type = token::kind::word;
                t.text = std::string(word);
                if (t.text.back() == '*') {
                    t.prefix = true;
                    t.text.pop_back();
                }
            }
        }
        out.push_back(std::move(t));
    }
    token end;
    end.type = token::kind::end;
    end.offset = text.size();
    out.push_back(end);
    return out;
}

std::string describe(const token& t) {
    switch (t.type) {
        case token::kind::word:
            return fmt::format(R"("{}")", t.text);
        case token::kind::phrase:
            return fmt::format(R"("{}")", t.text);
        case token::kind::open:
            return R"("(")";
        case token::kind::close:
            return "\")\"";
        case token::kind::op_or:
            return "OR";
        case token::kind::op_and:
            return "AND";
        case token::kind::op_not:
            return "NOT";
        case token::kind::minus:
            return R"("-")";
        case token::kind::field:
            return fmt::format("{}:", to_string(t.field));
        case token::kind::end:
            break;
    }
    return "the end of the rule";
}

std::size_t column_of(std::string_view text, std::size_t offset) {
    std::size_t column = 1;
    for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
        if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++column;
    }
    return column;
}

// ---- parser ------------------------------------------------------------------------------

// Recursive descent; precedence NOT > AND > OR.
//   any_of := all_of ("OR" all_of)*
//   all_of := unary (["AND"] unary)*
//   unary  := ("NOT" | "-") unary | primary
//   primary := [field ":"] (word | phrase | "(" any_of ")")
class parser {
  public:
    parser(std::string_view text, std::vector<token> tokens)
        : text_(text), tokens_(std::move(tokens)) {}

    rule_node parse() {
        if (peek().type == token::kind::end) {
            throw parse_failure{0, fmt::format("empty rule; expected {}", term_expectation)};
        }
        auto node = parse_any_of(rule_field::any, 0);
        if (peek().type == token::kind::close) {
            throw parse_failure{peek().offset, R"~(unexpected ")" with no "(" open)~"};
        }
        if (peek().type != token::kind::end) {
            throw parse_failure{
                peek().offset,
                fmt::format("unexpected {}; expected an operator or the end", describe(peek()))};
        }
        return node;
    }

  private:
    const token& peek() const { return tokens_[pos_]; }
    const token& take() { return tokens_[pos_++]; }

    static bool starts_unary(const token& t) {
        switch (t.type) {
            case token::kind::word:
            case token::kind::phrase:
            case token::kind::open:
            case token::kind::op_not:
            case token::kind::minus:
            case token::kind::field:
                return true;
            default:
                return false;
        }
    }

    void expect_operand(std::string_view after) const {
        if (!starts_unary(peek())) {
            throw parse_failure{peek().offset,
                                fmt::format("expected {} after {}, got {}", term_expectation, after,
                                            describe(peek()))};
        }
    }

    static rule_node combine(rule_node::kind kind, std::vector<rule_node> parts) {
        if (parts.size() == 1) return std::move(parts.front());
        rule_node node;
        node.type = kind;
        for (auto& part : parts) {
            // (a AND b) AND c is a AND b AND c: flatten so matching walks less.
            if (part.type == kind) {
                for (auto& child : part.children)
                    node.children.push_back(std::move(child));
            } else {
                node.children.push_back(std::move(part));
            }
        }
        return node;
    }

    rule_node parse_any_of(rule_field field, int depth) {
        std::vector<rule_node> parts;
        parts.push_back(parse_all_of(field, depth));
        while (peek().type == token::kind::op_or) {
            take();
            expect_operand("OR");
            parts.push_back(parse_all_of(field, depth));
        }
        return combine(rule_node::kind::any_of, std::move(parts));
    }

    rule_node parse_all_of(rule_field field, int depth) {
        std::vector<rule_node> parts;
        if (!starts_unary(peek())) {
            throw parse_failure{peek().offset, fmt::format("expected {}, got {}", term_expectation,
                                                           describe(peek()))};
        }
        parts.push_back(parse_unary(field, depth));
        for (;;) {
            if (peek().type == token::kind::op_and) {
                take();
                expect_operand("AND");
            } else if (!starts_unary(peek())) {
                break;
            }
            parts.push_back(parse_unary(field, depth));
        }
        return combine(rule_node::kind::all_of, std::move(parts));
    }

    rule_node parse_unary(rule_field field, int depth) {
        if (peek().type == token::kind::op_not || peek().type == token::kind::minus) {
            const auto& op = take();
            check_depth(op, depth);
            expect_operand(op.type == token::kind::op_not ? "NOT" : R"("-")");
            rule_node node;
            node.type = rule_node::kind::negation;
            node.children.push_back(parse_unary(field, depth + 1));
            return node;
        }
        return parse_primary(field, depth);
    }

    rule_node parse_primary(rule_field field, int depth) {
        if (peek().type == token::kind::field) {
            field = take().field;
            const auto& next = peek();
            if (next.type != token::kind::word && next.type != token::kind::phrase &&
                next.type != token::kind::open) {
                throw parse_failure{
                    next.offset, fmt::format("expected {} right after {}:, got {}",
                                             term_expectation, to_string(field), describe(next))};
            }
        }
        const auto& t = take();
        if (t.type == token::kind::word || t.type == token::kind::phrase) {
            rule_node node;
            node.field = field;
            node.words = fold_words(t.text);
            node.prefix = t.prefix;
            if (node.words.empty()) {
                throw parse_failure{t.offset,
                                    fmt::format("{} has no letters or digits; expected a word "
                                                "to match",
                                                describe(t))};
            }
            return node;
        }
        if (t.type == token::kind::open) {
            check_depth(t, depth);
            if (peek().type == token::kind::close) {
                throw parse_failure{peek().offset,
                                    fmt::format(R"~(empty "( )"; expected {})~", term_expectation)};
            }
            auto node = parse_any_of(field, depth + 1);
            if (peek().type != token::kind::close) {
                throw parse_failure{peek().offset,
                                    fmt::format(R"~(expected ")" to close the "(" at column {}, )~"
                                                "got {}",
                                                column_of(text_, t.offset), describe(peek()))};
            }
            take();
            return node;
        }
        throw parse_failure{t.offset,
                            fmt::format("expected {}, got {}", term_expectation, describe(t))};
    }

    void check_depth(const token& t, int depth) const {
        if (depth >= max_rule_depth) {
            throw parse_failure{t.offset, fmt::format("nested deeper than {} levels; expected a "
                                                      "simpler rule",
                                                      max_rule_depth)};
        }
    }

    std::string_view text_;
    std::vector<token> tokens_;
    std::size_t pos_ = 0;
};

bool term_matches_at(const rule_node& term, std::span<const std::string_view> words) {
    const auto n = term.words.size();
    for (std::size_t j = 0; j + 1 < n; ++j) {
        if (words[j] != term.words[j]) return false;
    }
    const auto& last = term.words[n - 1];
    return term.prefix ? words[n - 1].starts_with(last) : words[n - 1] == last;
}

bool term_matches(const rule_node& term, const prepared_item& item) {
    const auto words = item.words();
    const auto n = term.words.size();
    for (const auto& seg : item.segments(term.field)) {
        if (seg.word_count < n) continue;
        const auto last_start = seg.first_word + seg.word_count - n;
        for (auto i = seg.first_word; i <= last_start; ++i) {
            if (term_matches_at(term, words.subspan(i, n))) return true;
        }
    }
    return false;
}

bool node_matches(const rule_node& node, const prepared_item& item) {
    switch (node.type) {
        case rule_node::kind::term:
            return term_matches(node, item);
        case rule_node::kind::all_of:
            return std::all_of(node.children.begin(), node.children.end(),
                               [&](const rule_node& c) { return node_matches(c, item); });
        case rule_node::kind::any_of:
            return std::any_of(node.children.begin(), node.children.end(),
                               [&](const rule_node& c) { return node_matches(c, item); });
        case rule_node::kind::negation:
            return !node_matches(node.children.front(), item);
    }
    return false;
}

}  // namespace

std::string_view to_string(rule_field field) {
    switch (field) {
        case rule_field::any:
            return "any";
        case rule_field::title:
            return "title";
        case rule_field::text:
            return "text";
        case rule_field::feed:
            return "feed";
        case rule_field::tag:
            return "tag";
        case rule_field::source:
            return "source";
        case rule_field::category:
            return "category";
    }
    return "any";
}

std::string to_string(const rule_node& node) {
    switch (node.type) {
        case rule_node::kind::term: {
            std::string out;
            if (node.field != rule_field::any) out = fmt::format("{}:", to_string(node.field));
            out += fmt::format(R"("{}")", fmt::join(node.words, " "));
            if (node.prefix) out += '*';
            return out;
        }
        case rule_node::kind::all_of:
        case rule_node::kind::any_of:
        case rule_node::kind::negation: {
            std::string out = node.type == rule_node::kind::all_of   ? "(and"
                              : node.type == rule_node::kind::any_of ? "(or"
                                                                     : "(not";
            for (const auto& child : node.children) {
                out += ' ';
                out += to_string(child);
            }
            out += ')';
            return out;
        }
    }
    return {};
}

std::vector<std::string> fold_words(std::string_view utf8) {
    const auto folded = fold_text(utf8);
    std::vector<std::string> out;
    split_words(folded, [&](std::size_t offset, std::size_t length) {
        out.emplace_back(folded.substr(offset, length));
    });
    return out;
}

prepared_item::prepared_item(const item_view& view) {
    struct span_offsets {
        std::size_t offset;
        std::size_t length;
    };
    std::vector<span_offsets> offsets;
    std::array<std::vector<std::string_view>, field_count> pieces;
    pieces[title_index] = {view.title};
    pieces[text_index] = {view.text};
    pieces[feed_index] = {view.feed_title, view.feed_url};
    for (const auto& tag : view.tags)
        pieces[tag_index].emplace_back(tag);
    pieces[source_index] = {view.source};
    for (const auto& category : view.categories)
        pieces[category_index].emplace_back(category);

    for (std::size_t f = 0; f < field_count; ++f) {
        field_begin_[f] = static_cast<std::uint32_t>(segments_.size());
        for (const auto piece : pieces[f]) {
            segment seg;
            seg.first_word = static_cast<std::uint32_t>(offsets.size());
            const auto base = folded_.size();
            folded_ += fold_text(piece);
            split_words(std::string_view(folded_).substr(base),
                        [&](std::size_t offset, std::size_t length) {
                            offsets.push_back({base + offset, length});
                        });
            folded_ += '\n';
            seg.word_count = static_cast<std::uint32_t>(offsets.size()) - seg.first_word;
            segments_.push_back(seg);
        }
    }
    field_begin_[field_count] = static_cast<std::uint32_t>(segments_.size());
    // folded_ is complete: views into it stay valid for the item's life.
    words_.reserve(offsets.size());
    for (const auto& o : offsets)
        words_.emplace_back(std::string_view(folded_).substr(o.offset, o.length));
}

std::span<const prepared_item::segment> prepared_item::segments(rule_field field) const {
    const auto first = field_slot(field);
    const auto last = field == rule_field::any ? text_index + 1 : first + 1;
    return std::span<const segment>(segments_).subspan(field_begin_[first],
                                                       field_begin_[last] - field_begin_[first]);
}

std::string_view item_plain_text(const std::optional<std::string>& summary,
                                 const std::optional<std::string>& content_html,
                                 std::string& storage) {
    storage = content_html ? feeds::html_to_text(*content_html) : std::string();
    if (!summary || summary->empty()) return storage;
    if (storage.empty()) return *summary;
    if (storage.find(*summary) != std::string::npos) return storage;
    storage = *summary + " " + storage;
    return storage;
}

std::string item_plain_text(const std::optional<std::string>& summary,
                            const std::optional<std::string>& content_html) {
    std::string storage;
    const std::string_view text = item_plain_text(summary, content_html, storage);
    if (text.data() == storage.data() && text.size() == storage.size()) return storage;
    return std::string(text);
}

rule_parse_result topic_rule::parse(std::string_view expression) {
    rule_parse_result result;
    try {
        if (expression.size() > max_rule_bytes) {
            throw parse_failure{max_rule_bytes, fmt::format("longer than {} bytes; expected a "
                                                            "shorter rule",
                                                            max_rule_bytes)};
        }
        parser p(expression, lex(expression));
        result.rule = topic_rule(std::string(expression), p.parse());
    } catch (const parse_failure& failure) {
        result.error.column = column_of(expression, failure.offset);
        result.error.message = failure.message;
    }
    return result;
}

bool topic_rule::matches(const prepared_item& item) const {
    return node_matches(root_, item);
}

}  // namespace feedd::stories
