locals {
call = max( 1 ,2 , 3 )
expanded = min(var.numbers ...)
paren = ( 1 + 2 ) * 3
tuple = [ 1,2 ,3 ]
}
