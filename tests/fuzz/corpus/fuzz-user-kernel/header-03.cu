// launchscope: entry=k
