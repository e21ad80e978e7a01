// My kernel
//
// launchscope: entry=k
// launchscope: signature=i32, constexpr
// launchscope: globals=SCALE, OFFSET

#include <x.h>
