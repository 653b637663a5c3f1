// The mail module's one exported symbol (everything else is hidden): feedd's loader
// (daemon/mail_module.cpp) checks abi and version before it calls anything.
#include "daemon/mail/parts.hpp"

extern "C" __attribute__((visibility("default"))) const feedd::daemon::mail_module_api*
feedd_mail_module() {
    static const feedd::daemon::mail_module_api api{
        feedd::daemon::mail_module_abi, feedd::daemon::mail_module_layout, FEEDD_VERSION,
        &feedd::daemon::mail::render, &feedd::daemon::mail::send_smtp};
    return &api;
}
