//! Reusable pieces of the screens: header and user menu, modal dialog,
//! icons, the key table, the new-key notification, the dialogs and a key's
//! usage detail, and the markup (`html`: the escaping type; `markup`: the
//! helpers the tables share).

pub mod dialogs;
pub mod endpoint;
pub mod form_dialog;
pub mod header;
pub mod html;
pub mod icons;
pub mod key_table;
pub mod limits;
pub mod markup;
pub mod modal;
pub mod new_key;
pub mod pending;
pub mod roll;
pub mod usage;
