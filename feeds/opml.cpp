#include "feeds/opml.hpp"

#include <algorithm>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <pugixml.hpp>

#include "feeds/text.hpp"

namespace feedd::feeds {

namespace {

bool iequals(std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
        return lower(x) == lower(y);
    });
}

// Exporters disagree on the case of attribute names ("xmlUrl", "xmlurl",
// "XMLURL"), so attributes are looked up without regard to case.
std::string_view attribute(const pugi::xml_node& node, std::string_view name) {
    for (const auto& attr : node.attributes()) {
        if (iequals(attr.name(), name)) return trim(attr.value());
    }
    return {};
}

std::size_t line_at(std::string_view bytes, std::ptrdiff_t offset) {
    const auto end = static_cast<std::size_t>(
        std::clamp<std::ptrdiff_t>(offset, 0, static_cast<std::ptrdiff_t>(bytes.size())));
    return 1 + static_cast<std::size_t>(std::count(
                   bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(end), '\n'));
}

void add_tag(std::vector<std::string>& tags, std::string_view tag) {
    tag = trim(tag);
    if (tag.empty()) return;
    if (std::find(tags.begin(), tags.end(), tag) == tags.end()) tags.emplace_back(tag);
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
    if (iequals(attribute(outline, "type"), "rss")) return attribute(outline, "url");
    return {};
}

// An attribute value: &, <, >, " escaped; tab and line breaks as character references
// so attribute-value normalisation keeps them; other control characters, which XML 1.0
// cannot carry at all, dropped.
void append_attribute(std::string& out, std::string_view value) {
    for (const char c : value) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\t':
                out += "&#9;";
                break;
            case '\n':
                out += "&#10;";
                break;
            case '\r':
                out += "&#13;";
                break;
            default:
                if (static_cast<unsigned char>(c) >= 0x20) out.push_back(c);
        }
    }
}

// The folder tree of an export: folders and feeds (indices into the input) in order.
struct folder {
    std::string label;
    std::vector<std::unique_ptr<folder>> folders;
    std::vector<std::pair<bool, std::size_t>> order;  // (is a folder, index)

    folder& subfolder(std::string_view name) {
        for (auto& f : folders) {
            if (f->label == name) return *f;
        }
        folders.push_back(std::make_unique<folder>());
        folders.back()->label = std::string(name);
        order.emplace_back(true, folders.size() - 1);
        return *folders.back();
    }
};

void write_feed(std::string& out, const opml_feed& feed, std::span<const std::string> overflow,
                std::size_t indent) {
    out.append(indent, ' ');
    out += "<outline type=\"rss\" text=\"";
    append_attribute(out, feed.title.value_or(""));
    out += '"';
    if (feed.title) {
        out += " title=\"";
        append_attribute(out, *feed.title);
        out += '"';
    }
    out += " xmlUrl=\"";
    append_attribute(out, feed.url);
    out += '"';
    if (!overflow.empty()) {
        out += " category=\"";
        for (std::size_t i = 0; i < overflow.size(); ++i) {
            if (i > 0) out += ',';
            append_attribute(out, overflow[i]);
        }
        out += '"';
    }
    out += "/>\n";
}

void write_folder(std::string& out, const folder& node, const std::vector<opml_feed>& feeds,
                  std::size_t depth) {
    const std::size_t indent = 4 + 2 * depth;
    for (const auto& [is_folder, index] : node.order) {
        if (!is_folder) {
            const auto& feed = feeds[index];
            std::vector<std::string> tags;
            for (const auto& tag : feed.tags) {
                if (!trim(tag).empty()) tags.emplace_back(trim(tag));
            }
            const auto nested = std::min(tags.size(), max_opml_folder_depth);
            write_feed(out, feed, std::span<const std::string>(tags).subspan(nested), indent);
            continue;
        }
        const auto& sub = *node.folders[index];
        out.append(indent, ' ');
        out += "<outline text=\"";
        append_attribute(out, sub.label);
        out += "\">\n";
        write_folder(out, sub, feeds, depth + 1);
        out.append(indent, ' ');
        out += "</outline>\n";
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
            if (const auto title = label_of(node); !title.empty()) feed.title = std::string(title);
            for (const auto& label : labels)
                add_tag(feed.tags, label);
            add_categories(feed.tags, attribute(node, "category"));
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
    folder root;
    for (std::size_t i = 0; i < feeds.size(); ++i) {
        folder* at = &root;
        std::size_t depth = 0;
        for (const auto& tag : feeds[i].tags) {
            if (trim(tag).empty()) continue;
            if (depth++ == max_opml_folder_depth) break;
            at = &at->subfolder(trim(tag));
        }
        at->order.emplace_back(false, i);
    }
    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n";
    out += "  <head>\n    <title>";
    for (const char c : title) {
        if (c == '&') {
            out += "&amp;";
        } else if (c == '<') {
            out += "&lt;";
        } else if (c == '>') {
            out += "&gt;";
        } else if (static_cast<unsigned char>(c) >= 0x20 || c == '\t' || c == '\n') {
            out.push_back(c);
        }
    }
    out += "</title>\n  </head>\n  <body>\n";
    write_folder(out, root, feeds, 0);
    out += "  </body>\n</opml>\n";
    return out;
}

}  // namespace feedd::feeds
