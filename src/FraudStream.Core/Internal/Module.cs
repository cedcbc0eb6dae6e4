// Locals are not zeroed: no stackalloc in this assembly relies on zero-initialised memory
// (every buffer is written before it is read).
[module: System.Runtime.CompilerServices.SkipLocalsInit]
