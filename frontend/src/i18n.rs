//! Every text of the web app, in Spanish and English, in one table.
//!
//! Spanish strings are the seed guide's own words ("Credenciales de API",
//! "Generar clave de API", "Editar clave API", "Eliminar clave de API", …).
//! The browser's language picks the first language; the switch in the header
//! changes it and is remembered in localStorage.

use leptos::prelude::*;

use crate::browser;

/// A language of the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Es,
    En,
}

const STORAGE_KEY: &str = "llavero.lang";

impl Lang {
    /// The BCP 47 tag, for `lang=` and date formatting.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Es => "es",
            Lang::En => "en",
        }
    }

    /// The other language (the switch shows it).
    pub fn other(self) -> Lang {
        match self {
            Lang::Es => Lang::En,
            Lang::En => Lang::Es,
        }
    }

    /// The remembered choice, else the browser's language (Spanish unless it
    /// prefers English), else Spanish.
    pub fn initial() -> Lang {
        match browser::storage_get(STORAGE_KEY).as_deref() {
            Some("en") => return Lang::En,
            Some("es") => return Lang::Es,
            _ => {}
        }
        match browser::navigator_language() {
            Some(l) if l.to_ascii_lowercase().starts_with("en") => Lang::En,
            _ => Lang::Es,
        }
    }

    /// Remembers `self` as the user's choice.
    pub fn remember(self) {
        browser::storage_set(STORAGE_KEY, self.tag());
        browser::set_document_lang(self.tag());
    }
}

/// The current language, shared through context.
#[derive(Debug, Clone, Copy)]
pub struct I18n(pub RwSignal<Lang>);

impl I18n {
    /// The text for `key` in the current language (reactive).
    pub fn t(&self, key: Text) -> &'static str {
        text(self.0.get(), key)
    }
}

/// The app's `I18n` from context.
pub fn use_i18n() -> I18n {
    expect_context::<I18n>()
}

/// Names of every text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Text {
    AppName,
    SignInTitle,
    Username,
    Password,
    SignIn,
    SigningIn,
    BadCredentials,
    AccountDisabled,
    Throttled,
    SignOut,
    UserMenu,
    ApiCredentials,
    SwitchLanguage,
    ApiEndpoint,
    CopyEndpoint,
    Copied,
    CopyFailed,
    GenerateKey,
    Name,
    Generate,
    Cancel,
    Save,
    LastIp,
    LastUsed,
    Actions,
    EditKey,
    DeleteKey,
    Delete,
    DeleteConfirm,
    DeleteWarning,
    NoKeys,
    NoKeysHint,
    Loading,
    LoadFailed,
    Retry,
    LoadMore,
    NewKeyTitle,
    NewKeyWarning,
    RevealKey,
    HideKey,
    CopyKey,
    Dismiss,
    NameRequired,
    NameTooLong,
    NameInvalid,
    KeyGone,
    TryLater,
    NameHelp,
    GenericError,
    AdvancedOptions,
    Expiry,
    ExpiryNever,
    ExpiryKeep,
    Days30,
    Days60,
    Days90,
    OneYear,
    OnDate,
    ExpiryDate,
    Permissions,
    AllPrivileges,
    OnlyScopes,
    AllowedIps,
    AllowedIpsHelp,
    ChooseScope,
    ScopesInvalid,
    CidrsInvalid,
    ExpiryInvalid,
    ScopeMissing,
    RollKey,
    Roll,
    RollHelp,
    Grace,
    GraceNone,
    GraceHour,
    GraceDay,
    GraceWeek,
    OldSecretUntil,
    Expired,
    ExpiresSoon,
    NeverExpires,
}

/// The text for `key` in `lang`.
pub fn text(lang: Lang, key: Text) -> &'static str {
    use Text::*;
    match (lang, key) {
        (_, AppName) => "Llavero",
        (Lang::Es, SignInTitle) => "Iniciar sesión",
        (Lang::En, SignInTitle) => "Sign in",
        (Lang::Es, Username) => "Usuario",
        (Lang::En, Username) => "Username",
        (Lang::Es, Password) => "Contraseña",
        (Lang::En, Password) => "Password",
        (Lang::Es, SignIn) => "Iniciar sesión",
        (Lang::En, SignIn) => "Sign in",
        (Lang::Es, SigningIn) => "Iniciando sesión…",
        (Lang::En, SigningIn) => "Signing in…",
        (Lang::Es, BadCredentials) => "Usuario o contraseña incorrectos.",
        (Lang::En, BadCredentials) => "Wrong username or password.",
        (Lang::Es, AccountDisabled) => "Esta cuenta está deshabilitada. Consulta con un administrador.",
        (Lang::En, AccountDisabled) => "This account is disabled. Ask an administrator.",
        (Lang::Es, Throttled) => "Demasiados intentos fallidos. Inténtalo de nuevo en {s} segundos.",
        (Lang::En, Throttled) => "Too many failed attempts. Try again in {s} seconds.",
        (Lang::Es, SignOut) => "Cerrar sesión",
        (Lang::En, SignOut) => "Sign out",
        (Lang::Es, UserMenu) => "Menú de usuario",
        (Lang::En, UserMenu) => "User menu",
        (Lang::Es, ApiCredentials) => "Credenciales de API",
        (Lang::En, ApiCredentials) => "API credentials",
        (Lang::Es, SwitchLanguage) => "English",
        (Lang::En, SwitchLanguage) => "Español",
        (Lang::Es, ApiEndpoint) => "Endpoint de API",
        (Lang::En, ApiEndpoint) => "API endpoint",
        (Lang::Es, CopyEndpoint) => "Copiar URL del endpoint",
        (Lang::En, CopyEndpoint) => "Copy endpoint URL",
        (Lang::Es, Copied) => "Copiado al portapapeles",
        (Lang::En, Copied) => "Copied to the clipboard",
        (Lang::Es, CopyFailed) => "No se pudo copiar; selecciona el texto y cópialo a mano.",
        (Lang::En, CopyFailed) => "Could not copy; select the text and copy it by hand.",
        (Lang::Es, GenerateKey) => "Generar clave de API",
        (Lang::En, GenerateKey) => "Generate API key",
        (Lang::Es, Name) => "Nombre",
        (Lang::En, Name) => "Name",
        (Lang::Es, Generate) => "Generar",
        (Lang::En, Generate) => "Generate",
        (Lang::Es, Cancel) => "Cancelar",
        (Lang::En, Cancel) => "Cancel",
        (Lang::Es, Save) => "Guardar",
        (Lang::En, Save) => "Save",
        (Lang::Es, LastIp) => "Última IP",
        (Lang::En, LastIp) => "Last IP",
        (Lang::Es, LastUsed) => "Última fecha de uso",
        (Lang::En, LastUsed) => "Last used",
        (Lang::Es, Actions) => "Acciones",
        (Lang::En, Actions) => "Actions",
        (Lang::Es, EditKey) => "Editar clave API",
        (Lang::En, EditKey) => "Edit API key",
        (Lang::Es, DeleteKey) => "Eliminar clave de API",
        (Lang::En, DeleteKey) => "Delete API key",
        (Lang::Es, Delete) => "Eliminar",
        (Lang::En, Delete) => "Delete",
        (Lang::Es, DeleteConfirm) => "¿Eliminar la clave «{name}»?",
        (Lang::En, DeleteConfirm) => "Delete the key “{name}”?",
        (Lang::Es, DeleteWarning) => "La clave API se revocará inmediatamente y ya no será válida para su uso.",
        (Lang::En, DeleteWarning) => "The API key will be revoked immediately and can no longer be used.",
        (Lang::Es, NoKeys) => "Aún no tienes claves de API.",
        (Lang::En, NoKeys) => "You have no API keys yet.",
        (Lang::Es, NoKeysHint) => "Genera una clave para cada aplicación que accederá al sistema.",
        (Lang::En, NoKeysHint) => "Generate one key for each application that will access the system.",
        (Lang::Es, Loading) => "Cargando…",
        (Lang::En, Loading) => "Loading…",
        (Lang::Es, LoadFailed) => "No se pudieron cargar las claves.",
        (Lang::En, LoadFailed) => "The keys could not be loaded.",
        (Lang::Es, Retry) => "Reintentar",
        (Lang::En, Retry) => "Retry",
        (Lang::Es, LoadMore) => "Cargar más",
        (Lang::En, LoadMore) => "Load more",
        (Lang::Es, NewKeyTitle) => "Tu nueva clave API",
        (Lang::En, NewKeyTitle) => "Your new API key",
        (Lang::Es, NewKeyWarning) => "Debes recuperar la nueva clave ahora. Una vez que se descarta esta notificación, no hay forma de volver a mostrar la clave API.",
        (Lang::En, NewKeyWarning) => "Retrieve the new key now. Once this notification is dismissed, there is no way to show the API key again.",
        (Lang::Es, RevealKey) => "Mostrar clave API",
        (Lang::En, RevealKey) => "Show API key",
        (Lang::Es, HideKey) => "Ocultar clave API",
        (Lang::En, HideKey) => "Hide API key",
        (Lang::Es, CopyKey) => "Copiar clave API",
        (Lang::En, CopyKey) => "Copy API key",
        (Lang::Es, Dismiss) => "Descartar",
        (Lang::En, Dismiss) => "Dismiss",
        (Lang::Es, NameRequired) => "Introduce un nombre.",
        (Lang::En, NameRequired) => "Enter a name.",
        (Lang::Es, NameTooLong) => "El nombre admite como máximo 100 caracteres.",
        (Lang::En, NameTooLong) => "The name can be at most 100 characters.",
        (Lang::Es, NameInvalid) => "El nombre no es válido: entre 1 y 100 caracteres, sin caracteres de control.",
        (Lang::En, NameInvalid) => "The name is not valid: 1 to 100 characters, no control characters.",
        (Lang::Es, KeyGone) => "Esta clave de API ya no existe.",
        (Lang::En, KeyGone) => "This API key no longer exists.",
        (Lang::Es, TryLater) => "El servicio no puede atender ahora. Inténtalo de nuevo en unos segundos.",
        (Lang::En, TryLater) => "The service cannot answer right now. Try again in a few seconds.",
        (Lang::Es, NameHelp) => "Un nombre que refleje la aplicación que usará la clave.",
        (Lang::En, NameHelp) => "A name that says which application will use the key.",
        (Lang::Es, GenericError) => "Algo salió mal. Inténtalo de nuevo.",
        (Lang::En, GenericError) => "Something went wrong. Please try again.",
        (Lang::Es, AdvancedOptions) => "Opciones avanzadas",
        (Lang::En, AdvancedOptions) => "Advanced options",
        (Lang::Es, Expiry) => "Caducidad",
        (Lang::En, Expiry) => "Expiry",
        (Lang::Es, ExpiryNever) => "Nunca",
        (Lang::En, ExpiryNever) => "Never",
        (Lang::Es, ExpiryKeep) => "Sin cambios",
        (Lang::En, ExpiryKeep) => "Unchanged",
        (Lang::Es, Days30) => "30 días",
        (Lang::En, Days30) => "30 days",
        (Lang::Es, Days60) => "60 días",
        (Lang::En, Days60) => "60 days",
        (Lang::Es, Days90) => "90 días",
        (Lang::En, Days90) => "90 days",
        (Lang::Es, OneYear) => "1 año",
        (Lang::En, OneYear) => "1 year",
        (Lang::Es, OnDate) => "Una fecha…",
        (Lang::En, OnDate) => "A date…",
        (Lang::Es, ExpiryDate) => "Fecha de caducidad",
        (Lang::En, ExpiryDate) => "Expiry date",
        (Lang::Es, Permissions) => "Permisos",
        (Lang::En, Permissions) => "Permissions",
        (Lang::Es, AllPrivileges) => "Todos los privilegios del usuario",
        (Lang::En, AllPrivileges) => "All of the user's privileges",
        (Lang::Es, OnlyScopes) => "Solo estos permisos",
        (Lang::En, OnlyScopes) => "Only these permissions",
        (Lang::Es, AllowedIps) => "Direcciones IP permitidas",
        (Lang::En, AllowedIps) => "Allowed IP addresses",
        (Lang::Es, AllowedIpsHelp) => "Una dirección o red por línea (p. ej. 203.0.113.0/24), hasta 32. Vacío: desde cualquier dirección.",
        (Lang::En, AllowedIpsHelp) => "One address or network per line (e.g. 203.0.113.0/24), up to 32. Empty: from anywhere.",
        (Lang::Es, ChooseScope) => "Elige al menos un permiso.",
        (Lang::En, ChooseScope) => "Choose at least one permission.",
        (Lang::Es, ScopesInvalid) => "Algún permiso elegido ya no existe. Vuelve a abrir el diálogo.",
        (Lang::En, ScopesInvalid) => "A chosen permission no longer exists. Open the dialog again.",
        (Lang::Es, CidrsInvalid) => "Revisa las direcciones IP: cada línea debe ser una dirección o red IPv4/IPv6 válida, hasta 32.",
        (Lang::En, CidrsInvalid) => "Check the IP addresses: each line must be a valid IPv4/IPv6 address or network, up to 32.",
        (Lang::Es, ExpiryInvalid) => "La caducidad no es válida: debe ser futura y dentro del máximo permitido.",
        (Lang::En, ExpiryInvalid) => "The expiry is not valid: it must be in the future and within the allowed maximum.",
        (Lang::Es, ScopeMissing) => "No tienes permiso para conceder eso.",
        (Lang::En, ScopeMissing) => "You are not allowed to grant that.",
        (Lang::Es, RollKey) => "Rotar clave API",
        (Lang::En, RollKey) => "Roll API key",
        (Lang::Es, Roll) => "Rotar",
        (Lang::En, Roll) => "Roll",
        (Lang::Es, RollHelp) => "La clave «{name}» recibirá un secreto nuevo y conservará su nombre, permisos, direcciones y caducidad.",
        (Lang::En, RollHelp) => "The key “{name}” gets a new secret and keeps its name, permissions, addresses and expiry.",
        (Lang::Es, Grace) => "¿Cuánto tiempo seguirá funcionando el secreto actual?",
        (Lang::En, Grace) => "How long does the current secret keep working?",
        (Lang::Es, GraceNone) => "Nada: deja de funcionar ahora",
        (Lang::En, GraceNone) => "Not at all: it stops now",
        (Lang::Es, GraceHour) => "1 hora",
        (Lang::En, GraceHour) => "1 hour",
        (Lang::Es, GraceDay) => "24 horas",
        (Lang::En, GraceDay) => "24 hours",
        (Lang::Es, GraceWeek) => "7 días",
        (Lang::En, GraceWeek) => "7 days",
        (Lang::Es, OldSecretUntil) => "Secreto anterior válido hasta {t}",
        (Lang::En, OldSecretUntil) => "Old secret valid until {t}",
        (Lang::Es, Expired) => "Caducada",
        (Lang::En, Expired) => "Expired",
        (Lang::Es, ExpiresSoon) => "Caduca pronto: {t}",
        (Lang::En, ExpiresSoon) => "Expires soon: {t}",
        (Lang::Es, NeverExpires) => "No caduca",
        (Lang::En, NeverExpires) => "Never expires",
    }
}
