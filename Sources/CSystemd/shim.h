// Only the non-variadic entry points: Swift cannot call C variadic functions,
// so journal records go through sd_journal_sendv.
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
