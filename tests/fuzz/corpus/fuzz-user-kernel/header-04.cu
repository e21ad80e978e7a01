// launchscope: signature=i32
