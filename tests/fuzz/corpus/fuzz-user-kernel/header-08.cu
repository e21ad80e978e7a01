// launchscope: entry=1bad
// launchscope: signature=i32
