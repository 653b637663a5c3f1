#pragma once
// Topic rules: a small search language in the spirit of FreshRSS's operators, parsed once and
// matched against many items. Words and "quoted phrases" match whole words, ignoring case,
// accents and compatibility forms (fold_text): "iran" matches "Iran's" and "IRÁN" but not
// "Iranian" (write iran* for that). Pure: no I/O, no clock, no regex.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace feedd::stories {

// What a term looks at. `any` is the title and the text.
enum class rule_field : std::uint8_t { any, title, text, feed, tag, source, category };

// "title", "text", …; "any" for rule_field::any.
std::string_view to_string(rule_field field);

// One node of a parsed rule. Terms hold folded words; a phrase (or a word that folds to several,
// like "Putin-Trump") has several, which must appear consecutively in one field.
struct rule_node {
    enum class kind : std::uint8_t { term, all_of, any_of, negation };
    kind type = kind::term;
    rule_field field = rule_field::any;
    std::vector<std::string> words;   // term: folded words, in order
    bool prefix = false;              // term: the last word was written word*, matching "word…"
    std::vector<rule_node> children;  // all_of, any_of: two or more; negation: one
};

// A canonical, fully parenthesised form for logs and tests:
// `(and title:"iran" (not "sport"))`.
std::string to_string(const rule_node& node);

// The words of one item, folded and split once, shared by every rule that tests the item.
// Each field is a list of segments (one per tag, per category, feed title and feed URL); a
// phrase never spans two segments.
struct item_view {
    std::string_view title;
    std::string_view text;  // plain text (see item_plain_text)
    std::string_view feed_title;
    std::string_view feed_url;
    std::span<const std::string> tags;  // config tags / OPML categories of the feed
    std::string_view source;            // the outlet's name
    std::span<const std::string> categories;
};

class prepared_item {
  public:
    explicit prepared_item(const item_view& view);
    prepared_item(const prepared_item&) = delete;  // the word views point into folded_
    prepared_item& operator=(const prepared_item&) = delete;

    struct segment {
        std::uint32_t first_word = 0;
        std::uint32_t word_count = 0;
    };
    // The segments a field consists of (`any` is title + text).
    std::span<const segment> segments(rule_field field) const;
    std::span<const std::string_view> words() const { return words_; }

  private:
    std::string folded_;
    std::vector<std::string_view> words_;
    std::vector<segment> segments_;
    // segments_[field_begin_[f] .. field_begin_[f + 1]) belong to field f (title and text are
    // adjacent so `any` is one range).
    std::uint32_t field_begin_[8] = {};
};

// The plain text an item is matched and searched on: its summary, then the text of its HTML
// content when that adds something.
std::string item_plain_text(const std::optional<std::string>& summary,
                            const std::optional<std::string>& content_html);
// The same without copying a field that is the whole answer: a view of `summary`, or of
// `storage`, which receives the converted content (or the joined text) when one is needed.
std::string_view item_plain_text(const std::optional<std::string>& summary,
                                 const std::optional<std::string>& content_html,
                                 std::string& storage);

// Folded words of a text, split where FTS5's unicode61 tokenizer splits (letters, digits and
// private-use characters make words; everything else separates them).
std::vector<std::string> fold_words(std::string_view utf8);

struct rule_error {
    std::size_t column = 0;  // 1-based, counting code points of the expression
    std::string message;     // what was found and what was expected
};

struct rule_parse_result;

class topic_rule {
  public:
    // Parses an expression; a bad one yields an error naming the column.
    static rule_parse_result parse(std::string_view expression);

    bool matches(const prepared_item& item) const;
    const rule_node& root() const { return root_; }
    const std::string& expression() const { return expression_; }

  private:
    topic_rule(std::string expression, rule_node root)
        : expression_(std::move(expression)), root_(std::move(root)) {}
    std::string expression_;
    rule_node root_;
};

struct rule_parse_result {
    std::optional<topic_rule> rule;
    rule_error error;  // meaningful when !rule
    explicit operator bool() const { return rule.has_value(); }
};

// Longest expression accepted, in bytes, and deepest nesting of ( ) and NOT.
inline constexpr std::size_t max_rule_bytes = 8192;
inline constexpr int max_rule_depth = 64;

}  // namespace feedd::stories
