// launchscope: entry
