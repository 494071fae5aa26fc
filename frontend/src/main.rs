//! Mounts the Lockstep web app; in the worker (`www/worker.js` loads the same bundle)
//! starts the worker's message loop instead. The components live in the library so
//! tests can use them.

fn main() {
    lockstep_frontend::start();
}
