#include "feeds/parse_xml.hpp"

#include <string>
#include <string_view>

#include <gtest/gtest.h>
#include <pugixml.hpp>

namespace feedd::feeds::xml {
namespace {

// The "n" attribute of each node, joined with spaces.
std::string numbers(const node_list& nodes) {
    std::string out;
    for (const auto node : nodes) {
        out += out.empty() ? "" : " ";
        out += node.attribute("n").value();
    }
    return out;
}

class child_index_test : public testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(
            doc_.load_string("<item>text<link n='1'/><atom:link n='2'/> <title n='3'/><link n='4'/>"
                             "<x:unknown n='5'/><atom:link n='6'/><link n='7'/><!-- c --></item>",
                             pugi::parse_default | pugi::parse_ws_pcdata | pugi::parse_comments));
    }
    pugi::xml_document doc_;
};

TEST_F(child_index_test, finds_the_first_child_of_a_name) {
    const child_index index(doc_.document_element());
    EXPECT_STREQ(index.child("link").attribute("n").value(), "1");
    EXPECT_STREQ(index.child("atom:link").attribute("n").value(), "2");
    EXPECT_STREQ(index.child("title").attribute("n").value(), "3");
    EXPECT_FALSE(index.child("guid"));
}

TEST_F(child_index_test, lists_children_in_document_order) {
    const child_index index(doc_.document_element());
    EXPECT_EQ(numbers(index.children("link")), "1 4 7");
    EXPECT_EQ(numbers(index.children("atom:link")), "2 6");
    EXPECT_EQ(numbers(index.children("atom:link", "link")), "1 2 4 6 7");
    EXPECT_EQ(numbers(index.children("link", "atom:link")), "1 2 4 6 7");
    EXPECT_EQ(numbers(index.children("link", "link")), "1 4 7");
    EXPECT_EQ(numbers(index.children("guid", "link")), "1 4 7");
    EXPECT_EQ(numbers(index.children("guid")), "");
}

TEST_F(child_index_test, agrees_with_the_walk_over_the_children) {
    const auto item = doc_.document_element();
    const child_index index(item);
    for (const indexed_name name : {indexed_name("link"), indexed_name("atom:link"),
                                    indexed_name("title"), indexed_name("guid")}) {
        EXPECT_EQ(index.child(name), child(item, name)) << name.view();
        EXPECT_EQ(numbers(index.children(name)), numbers(children(item, name))) << name.view();
    }
}

TEST(child_index, an_item_with_many_children_keeps_them_all) {
    std::string text = "<item>";
    for (int i = 0; i < 300; ++i) {
        text += (i % 3 == 0 ? "<category n='" : "<link n='") + std::to_string(i) + "'/>";
    }
    text += "</item>";
    pugi::xml_document doc;
    ASSERT_TRUE(doc.load_string(text.c_str()));
    const child_index index(doc.document_element());
    EXPECT_EQ(index.children("category").size(), 100U);
    EXPECT_EQ(index.children("link", "category").size(), 300U);
    EXPECT_STREQ(index.children("link").back().attribute("n").value(), "299");
}

}  // namespace
}  // namespace feedd::feeds::xml
