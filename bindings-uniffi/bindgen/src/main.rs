//! `uniffi-bindgen`, at the workspace's uniffi version: the generated bindings and the
//! scaffolding in `libvigil_uniffi` must come from the same uniffi.

fn main() {
    uniffi::uniffi_bindgen_main()
}
