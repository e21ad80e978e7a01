// launchscope: entry=k
// launchscope: entry=k
// launchscope: signature=i32
