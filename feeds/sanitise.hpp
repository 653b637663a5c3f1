// An allow-list HTML sanitiser for feed content shown on feedd's web page. Feed
// HTML is hostile: the document is parsed the way a browser would (gumbo, HTML5),
// and only listed elements and attributes are written back, every text and
// attribute value escaped. Pure.
#pragma once

#include <string>
#include <string_view>

namespace feedd::feeds {

// Returns safe HTML for html, a fragment as found in a feed's content/summary:
//  - script, style, iframe, object, embed, form controls, svg, math, template and
//    their contents are dropped; other unknown elements are unwrapped (text kept);
//  - attributes: only href/src/alt/title/cite/datetime/colspan/rowspan on the
//    elements that use them; no on* handlers, no style, no class or id;
//  - URLs are resolved against base_url and kept only when http, https or mailto
//    (javascript:, data:, vbscript: and the rest are removed); links get
//    rel="nofollow noopener noreferrer".
std::string sanitise_html(std::string_view html, std::string_view base_url = {});

}  // namespace feedd::feeds
