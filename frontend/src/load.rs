//! Getting bytes into the page: a file the user picked, or the bundled demo.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Where the demo CSV is served (Trunk copies `www/demo/` into the bundle, and
/// `lockstep demo` serves the same file at the same path).
pub const DEMO_URL: &str = "demo/breast_cancer_eval.csv";

fn js_error(context: &str, value: wasm_bindgen::JsValue) -> String {
    let detail = value
        .as_string()
        .or_else(|| {
            value
                .dyn_ref::<js_sys::Error>()
                .map(|e| String::from(e.message()))
        })
        .unwrap_or_else(|| format!("{value:?}"));
    format!("{context}: {detail}")
}

/// Reads a file picked in an `<input type=file>`; the bytes stay in the page.
pub async fn read_file(file: &web_sys::File) -> Result<Vec<u8>, String> {
    let buffer = JsFuture::from(file.array_buffer())
        .await
        .map_err(|e| js_error(&format!("cannot read `{}`", file.name()), e))?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// Fetches `url` from the page's own origin.
pub async fn fetch_bytes(url: &str) -> Result<Vec<u8>, String> {
    let window = web_sys::window().ok_or("no window: not running in a browser")?;
    let response = JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(|e| js_error(&format!("cannot fetch `{url}`"), e))?;
    let response: web_sys::Response = response
        .dyn_into()
        .map_err(|e| js_error("fetch did not return a Response", e))?;
    if !response.ok() {
        return Err(format!(
            "cannot fetch `{url}`: HTTP {} {}",
            response.status(),
            response.status_text()
        ));
    }
    let promise = response
        .array_buffer()
        .map_err(|e| js_error(&format!("cannot read `{url}`"), e))?;
    let buffer = JsFuture::from(promise)
        .await
        .map_err(|e| js_error(&format!("cannot read `{url}`"), e))?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}
