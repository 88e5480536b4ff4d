#ifndef FLEET_AUDIT_CLIBSSH2_SHIM_H
#define FLEET_AUDIT_CLIBSSH2_SHIM_H
// Swift does not import libssh2's function-like macros; the SSHClient owner adds static inline wrappers here.
#include <libssh2.h>
#endif
