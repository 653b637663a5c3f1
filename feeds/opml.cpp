#include "feeds/opml.hpp"

#include <algorithm>
#include <cstddef>
#include <sstream>
#include <span>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include <pugixml.hpp>

#include "feeds/charset.hpp"
#include "feeds/text.hpp"

namespace feedd::feeds {

namespace {

// Exporters disagree on the case of attribute names ("xmlUrl", "xmlurl",
// "XMLURL"), so attributes are looked up without regard to case.
std::string_view attribute(const pugi::xml_node& node, std::string_view name) {
    for (const auto& attr : node.attributes()) {
        if (ascii_iequals(attr.name(), name)) return trim(attr.value());
    }
    return {};
}

std::size_t line_at(std::string_view bytes, std::ptrdiff_t offset) {
    const auto end = static_cast<std::size_t>(
        std::clamp<std::ptrdiff_t>(offset, 0, static_cast<std::ptrdiff_t>(bytes.size())));
    return 1 + static_cast<std::size_t>(std::count(
                   bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(end), '\n'));
}

// An outline's label as a title or tag, trimmed and without the controls a terminal acts on,
// as feed titles are (drop_controls_in): a hostile file could otherwise send escape sequences
// to whoever runs `feedd feeds`. pugixml decodes "&#27;" and passes C1 through. Line breaks
// and tabs stay, as write_opml round-trips them.
std::string label_text(std::string_view label) {
    std::string text(label);
    drop_control_characters(text);
    return std::string(trim(text));
}

// A feed's tags in order without repeats. The set keeps adding linear: a hostile file's
// thousands of nested folders or category parts made the old list search quadratic.
struct tag_list {
    std::vector<std::string>& tags;
    std::unordered_set<std::string> seen{};

    void add(std::string_view label) {
        auto tag = label_text(label);
        if (!tag.empty() && seen.insert(tag).second) tags.push_back(std::move(tag));
    }
};

// The OPML 2.0 category attribute: comma-separated, each either a plain word
// or a slash path ("/Boston/Weather") whose every part is a tag.
void add_categories(tag_list& tags, std::string_view categories) {
    while (!categories.empty()) {
        const auto comma = categories.find(',');
        auto category = categories.substr(0, comma);
        categories =
            comma == std::string_view::npos ? std::string_view{} : categories.substr(comma + 1);
        while (!category.empty()) {
            const auto slash = category.find('/');
            tags.add(category.substr(0, slash));
            category =
                slash == std::string_view::npos ? std::string_view{} : category.substr(slash + 1);
        }
    }
}

std::string_view label_of(const pugi::xml_node& outline) {
    auto label = attribute(outline, "title");
    return label.empty() ? attribute(outline, "text") : label;
}

std::string_view feed_url_of(const pugi::xml_node& outline) {
    if (auto url = attribute(outline, "xmlUrl"); !url.empty()) return url;
    // Some old exporters (OPML 1.0 era) write url= on type="rss" outlines.
    if (ascii_iequals(attribute(outline, "type"), "rss")) return attribute(outline, "url");
    return {};
}

// XML 1.0 cannot carry C0 control characters other than tab and line breaks, not even as
// character references: they are dropped. pugixml escapes the rest.
std::string xml_text(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (const char c : value) {
        if (static_cast<unsigned char>(c) >= 0x20 || c == '\t' || c == '\n' || c == '\r')
            out.push_back(c);
    }
    return out;
}

void set(pugi::xml_node node, const char* name, std::string_view value) {
    node.append_attribute(name).set_value(xml_text(value).c_str());
}

// The folder outline labelled `label` directly inside `parent`, made on first use.
pugi::xml_node subfolder(pugi::xml_node parent, const std::string& label) {
    for (auto child : parent.children("outline")) {
        if (!child.attribute("xmlUrl") && label == child.attribute("text").value()) return child;
    }
    auto folder = parent.append_child("outline");
    set(folder, "text", label);
    return folder;
}

void append_feed(pugi::xml_node parent, const opml_feed& feed,
                 std::span<const std::string> overflow) {
    auto outline = parent.append_child("outline");
    set(outline, "type", "rss");
    set(outline, "text", feed.title.value_or(""));
    if (feed.title) set(outline, "title", *feed.title);
    set(outline, "xmlUrl", feed.url);
    if (!overflow.empty()) {
        std::string category;
        for (const auto& tag : overflow) {
            if (!category.empty()) category += ',';
            category += tag;
        }
        set(outline, "category", category);
    }
}

struct pending {
    pugi::xml_node node;
    std::size_t depth;  // number of folder labels that apply to this node
};

}  // namespace

opml_result parse_opml(std::string_view raw) {
    opml_result result;
    // As for feeds (BOM, XML declaration, else UTF-8 read as windows-1252 where it is not):
    // pugixml alone knows only UTF-8/16/32 and Latin-1, so a windows-1252 or KOI8-R export
    // gave tags and titles that were not UTF-8.
    auto decoded = decode_document(raw, "");
    if (!decoded.utf8) {
        result.error = decoded.error + "; expected an OPML file in UTF-8 or a declared encoding";
        return result;
    }
    const std::string_view bytes = *decoded.utf8;
    pugi::xml_document doc;
    const auto parsed =
        doc.load_buffer(bytes.data(), bytes.size(), pugi::parse_default, pugi::encoding_utf8);
    if (!parsed) {
        result.error = "line " + std::to_string(line_at(bytes, parsed.offset)) + ": " +
                       parsed.description() + "; expected an OPML (XML) document";
        return result;
    }
    const auto root = doc.document_element();
    if (std::string_view(root.name()) != "opml") {
        result.error = "line " + std::to_string(line_at(bytes, root.offset_debug())) +
                       ": root element is <" + root.name() + ">; expected <opml>";
        return result;
    }
    const auto body = root.child("body");
    if (!body) {
        result.error = "line " + std::to_string(line_at(bytes, root.offset_debug())) +
                       ": <opml> has no <body>; expected <opml><body><outline …/></body></opml>";
        return result;
    }

    // Iterative walk, so a hostile nesting depth cannot exhaust the stack.
    // `labels` holds the titles of the enclosing folder outlines.
    std::vector<std::string> labels;
    std::vector<pending> stack;
    std::size_t produced = 0;  // bytes the result holds so far (strings and their headers)
    for (auto child = body.last_child(); child; child = child.previous_sibling()) {
        stack.push_back({child, 0});
    }
    while (!stack.empty()) {
        const auto [node, depth] = stack.back();
        stack.pop_back();
        labels.resize(depth);
        if (node.type() != pugi::node_element || std::string_view(node.name()) != "outline") {
            continue;
        }
        if (const auto url = feed_url_of(node); !url.empty()) {
            opml_feed feed{std::string(url), std::nullopt, {}};
            if (auto title = label_text(label_of(node)); !title.empty())
                feed.title = std::move(title);
            tag_list tags{feed.tags};
            for (const auto& label : labels)
                tags.add(label);
            add_categories(tags, attribute(node, "category"));
            // Every feed copies the labels of its folders, so a small file (one long folder
            // title over many feeds, or thousands of nested folders) could ask for gigabytes.
            produced += feed.url.size() + feed.title.value_or("").size() + sizeof(opml_feed);
            for (const auto& tag : feed.tags)
                produced += tag.size() + sizeof(std::string);
            if (produced > max_opml_result_bytes) {
                result.feeds.clear();
                result.error = "line " + std::to_string(line_at(bytes, node.offset_debug())) +
                               ": the feeds with their folder tags add up to more than " +
                               std::to_string(max_opml_result_bytes >> 20) +
                               " MiB (long folder titles repeated for many feeds, or deep "
                               "nesting); expected a smaller OPML file";
                return result;
            }
            result.feeds.push_back(std::move(feed));
            continue;  // a feed outline is not a folder: nothing below it is a subscription
        }
        // A folder (or an outline without a feed URL, which adds nothing by itself).
        auto child_depth = depth;
        if (const auto label = label_of(node); !label.empty()) {
            labels.emplace_back(label);
            child_depth = labels.size();
        }
        for (auto child = node.last_child(); child; child = child.previous_sibling()) {
            stack.push_back({child, child_depth});
        }
    }
    return result;
}

std::string write_opml(const std::vector<opml_feed>& feeds, std::string_view title) {
    pugi::xml_document doc;
    auto declaration = doc.append_child(pugi::node_declaration);
    declaration.append_attribute("version").set_value("1.0");
    declaration.append_attribute("encoding").set_value("UTF-8");
    auto opml = doc.append_child("opml");
    opml.append_attribute("version").set_value("2.0");
    opml.append_child("head").append_child("title").text().set(xml_text(title).c_str());
    const auto body = opml.append_child("body");
    for (const auto& feed : feeds) {
        std::vector<std::string> tags;
        for (const auto& tag : feed.tags) {
            if (!trim(tag).empty()) tags.emplace_back(trim(tag));
        }
        // Tags become nested folders, outermost first; the ones past the cap go in category.
        const auto nested = std::min(tags.size(), max_opml_folder_depth);
        auto at = body;
        for (std::size_t i = 0; i < nested; ++i)
            at = subfolder(at, tags[i]);
        append_feed(at, feed, std::span<const std::string>(tags).subspan(nested));
    }
    std::ostringstream out;
    doc.save(out, "  ", pugi::format_default, pugi::encoding_utf8);
    return out.str();
}

}  // namespace feedd::feeds
