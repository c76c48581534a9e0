fn main() {
    eprintln!("the load generator arrives with issue 5");
    std::process::exit(2)
}
