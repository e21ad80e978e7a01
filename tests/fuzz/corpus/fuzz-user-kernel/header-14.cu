int x;
// launchscope: entry=k
// launchscope: signature=i32
