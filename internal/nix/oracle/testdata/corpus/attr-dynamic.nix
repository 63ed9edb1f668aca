let k = "dyn"; in { ${k} = 1; "${k}2" = 2; "quoted key" = 3; "a-b" = 4; "1x" = 5; "" = 6; }
