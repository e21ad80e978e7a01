// launchscope: entyr=k
