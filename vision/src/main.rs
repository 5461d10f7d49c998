//! `attend-vision` CLI. Skeleton: the commands land with the face-pipeline issue.

fn main() {
    eprintln!("attend-vision: the face pipeline is not built yet");
    std::process::exit(2);
}
