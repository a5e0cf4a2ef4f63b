fn main() {
    println!("autotune: command line under construction");
}
