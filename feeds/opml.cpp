#include "feeds/opml.hpp"

#include <algorithm>
#include <cstddef>
#include <sstream>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <pugixml.hpp>

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

void add_tag(std::vector<std::string>& tags, std::string_view label) {
    auto tag = label_text(label);
    if (tag.empty()) return;
    if (std::find(tags.begin(), tags.end(), tag) == tags.end()) tags.push_back(std::move(tag));
}

// The OPML 2.0 category attribute: comma-separated, each either a plain word
// or a slash path ("/Boston/Weather") whose every part is a tag.
void add_categories(std::vector<std::string>& tags, std::string_view categories) {
    while (!categories.empty()) {
        const auto comma = categories.find(',');
        auto category = categories.substr(0, comma);
        categories =
            comma == std::string_view::npos ? std::string_view{} : categories.substr(comma + 1);
        while (!category.empty()) {
            const auto slash = category.find('/');
            add_tag(tags, category.substr(0, slash));
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

opml_result parse_opml(std::string_view bytes) {
    opml_result result;
    pugi::xml_document doc;
    const auto parsed = doc.load_buffer(bytes.data(), bytes.size(), pugi::parse_default);
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
            for (const auto& label : labels)
                add_tag(feed.tags, label);
            add_categories(feed.tags, attribute(node, "category"));
            result.feeds.push_back(std::move(feed));
            continue;  // a feed outline is not a folder: nothing below it is a subscription
        }
        // A folder (or an outline without a feed URL, which adds nothing by itself).
        auto child_depth = depth;
        if (auto label = label_text(label_of(node)); !label.empty()) {
            labels.push_back(std::move(label));
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
