// The FTS5 tokenizer of items_fts (migration 12): unicode61's words, found faster in text that
// fold_for_index has folded already. Internal to storage/.
#pragma once

#include <SQLiteCpp/Database.h>

namespace feedd::storage {

// Registers the FTS5 tokenizer "feedd_folded" on a connection. It splits text into exactly the
// words FTS5's "unicode61" splits it into, with the same options (only remove_diacritics is
// accepted): a run of ASCII letters and digits between ASCII separators is a word of its own,
// lowercased, without going through unicode61 (which cost the writer three times as much per
// byte); a run holding other bytes is handed to unicode61 itself. Throws std::runtime_error
// naming the file when FTS5 is missing or refuses it.
void register_folded_tokenizer(SQLite::Database& db);

}  // namespace feedd::storage
