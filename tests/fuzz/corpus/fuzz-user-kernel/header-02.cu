  //launchscope:entry = spaced   
//   launchscope:   signature =  *fp16  
