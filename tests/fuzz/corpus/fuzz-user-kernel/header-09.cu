// launchscope: entry=k
// launchscope: signature=*fp99
