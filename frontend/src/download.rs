//! Offering text the page made (a fitted pipeline, a report) as a file download: a
//! `Blob` and its object URL, for an `<a href=… download=…>` link. Nothing leaves the
//! page; the browser saves the blob.

use wasm_bindgen::JsValue;

/// An object URL for a blob of text, revoked (the blob released) when dropped.
#[derive(Debug)]
pub struct ObjectUrl(String);

impl ObjectUrl {
    /// A blob holding `text` with the given MIME type, and its URL.
    pub fn for_text(text: &str, mime: &str) -> Result<Self, String> {
        let parts = js_sys::Array::of1(&JsValue::from_str(text));
        let options = web_sys::BlobPropertyBag::new();
        options.set_type(mime);
        let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)
            .map_err(|e| format!("cannot make a download: {e:?}"))?;
        web_sys::Url::create_object_url_with_blob(&blob)
            .map(Self)
            .map_err(|e| format!("cannot make a download: {e:?}"))
    }

    pub fn url(&self) -> &str {
        &self.0
    }
}

impl Drop for ObjectUrl {
    fn drop(&mut self) {
        // Revoking an unknown or already revoked URL is a no-op in the browser.
        let _ = web_sys::Url::revoke_object_url(&self.0);
    }
}
