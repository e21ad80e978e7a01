// launchscope: entry=k
// launchscope: signature=i32
// launchscope: globals=A,,B
