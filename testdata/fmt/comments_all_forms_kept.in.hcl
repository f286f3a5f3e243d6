# Hash comment.
// Double-slash comment.
/* Block comment. */
/*
  Multi-line
    block comment.
*/
locals {
# Inside a block.
a = 1
   // Indented.
b = 2 /* inline */ + 3
}
