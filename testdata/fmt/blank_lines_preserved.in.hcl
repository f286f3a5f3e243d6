a = 1


b = 2
resource "x" "y" {
}
resource "x" "z" {


c = 3

}



d = 4
