//! Mounts the Lockstep web app. The components live in the library so tests can use them.

fn main() {
    lockstep_frontend::start();
}
