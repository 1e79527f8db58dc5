mod demo;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("demo") {
        if let Some(name) = args.get(2) {
            if let Err(e) = demo::run(name) {
                eprintln!("tracer demo: {e:#}");
                std::process::exit(1);
            }
            return;
        }
        for d in demo::list() {
            println!("{:16} {}", d.name, d.summary);
        }
    }
}
