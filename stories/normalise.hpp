#pragma once
// Text normalisation for clustering: what two copies of one wire story still share after outlets
// have restyled them. HTML → text, Unicode fold (stories/fold.hpp), punctuation dropped, house
// style unified (per cent/percent/% → pct, U.S./US → us, million → mln ...), and the parts an
// outlet adds removed: datelines, bylines and "Reporting by ... Editing by ..." credits, "The post
// ... appeared first on ...", "Read more"/"Continue reading" tails, copyright, newsletter and
// related-coverage lines, headline prefixes ("UPDATE 1-", "Breaking:") and suffixes ("- Reuters",
// "| Outlet"). Pure; never throws on bad input (invalid UTF-8 becomes U+FFFD).
#include <string>
#include <string_view>
#include <vector>

namespace feedd::stories {

// Body text (plain or HTML) → its words, lower-case, joined by single spaces.
std::string normalise_text(std::string_view text_html);

// The same words as views, without building the string (the signature's hot path), at most
// max_words of them (0: all). The views and the vector belong to the calling thread and stay
// valid until its next call.
const std::vector<std::string_view>& text_words(std::string_view text_html,
                                                std::size_t max_words = 0);

// Headline → its words without outlet decorations, joined by single spaces. A short kicker
// before a colon ("Kremlin: ...", "Pension reform: ...") goes too unless keep_kicker: it is
// often the headline's subject ("Pension reform: what we know so far").
std::string normalise_title(std::string_view title, bool keep_kicker = false);

// The words of a normalised title that carry meaning: stop words, "says", "update" and other
// decorations and one-letter words removed. Views into `normalised_title`; the vector belongs to
// the calling thread and stays valid until its next call.
const std::vector<std::string_view>& title_content_words(std::string_view normalised_title);

}  // namespace feedd::stories
