//! The models on the disc: every `.PLM` file in the `MODEL\` directory, with what its header says (shape,
//! parameters, storage format), read without touching the weights: one sector, or the few that hold the tensor
//! directory.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use llm_engine::streaming::read_model_info;
use llm_engine::{ModelInfo, Quant, TensorRole};
use ps2_cdvd::iso9660::DirEntry;
use ps2_cdvd::{Disc, DiscError};

use crate::disc_reader::CdvdTensorReader;
use crate::say;

/// The directory searched for models.
const MODEL_DIR: &str = "MODEL";
/// The extension of model files.
const MODEL_EXTENSION: &str = ".PLM";

/// A model file on the disc.
#[derive(Clone, Debug)]
pub struct Model {
    /// The path as `LLM.CFG`'s `model` writes it (`MODEL\NAME.PLM`).
    pub path: String,
    /// The file on the disc.
    pub entry: DirEntry,
    /// What the header says, or why it cannot be read.
    pub summary: Result<String, String>,
}

impl Model {
    /// The file and its header read from the disc.
    fn read(disc: &mut Disc, path: String, entry: DirEntry) -> Model {
        let mut reader = CdvdTensorReader::new(disc.cdvd(), entry.lsn, entry.size as u64);
        let summary = read_model_info(&mut reader).map(|info| summary(&info)).map_err(|e| format!("{e}"));
        Model { path, entry, summary }
    }

    /// One line for the menu: name, size, and the header's shape and storage format.
    pub fn describe(&self) -> String {
        let kib = self.entry.size / 1024;
        match &self.summary {
            Ok(summary) => format!("{} ({kib} KiB, {summary})", self.path),
            Err(reason) => format!("{} ({kib} KiB, unreadable header: {reason})", self.path),
        }
    }
}

/// Parameters, shape and storage format: `0.92M parameters, dim 128 x 5 layers, q8`.
fn summary(info: &ModelInfo) -> String {
    let c = &info.config;
    let mut quants: Vec<Quant> = Vec::new();
    for tensor in info.tensors.iter().filter(|t| t.role.is_matrix() && t.role != TensorRole::Tokenizer) {
        if !quants.contains(&tensor.quant) {
            quants.push(tensor.quant);
        }
    }
    let quants: Vec<&str> = quants.iter().map(|q| q.name()).collect();
    format!(
        "{:.2}M parameters, dim {} x {} layers, {}",
        info.parameter_count() as f32 / 1e6,
        c.dim,
        c.n_layers,
        if quants.is_empty() { String::from("no matrices") } else { quants.join("+") }
    )
}

/// Paths compared as the disc compares them: case-insensitive, `/` or `\`, no leading separator or `;1`.
fn same_path(a: &str, b: &str) -> bool {
    fn normal(path: &str) -> String {
        let path = path.split(';').next().unwrap_or("");
        path.trim_start_matches(['\\', '/']).replace('/', "\\").to_ascii_uppercase()
    }
    normal(a) == normal(b)
}

/// The models on the disc and the one to load first.
pub struct Catalog {
    /// Every model found, in directory order (the configured one first when it lies elsewhere).
    pub models: Vec<Model>,
    /// Index of the model to load first: the configured one, else the first one found.
    pub default: usize,
}

/// Lists `MODEL\*.PLM` and picks the default: `configured` (`LLM.CFG`'s `model`) when the disc has it, else the
/// first model found (and says why). Fails only when the disc holds no model at all.
pub fn catalog(disc: &mut Disc, configured: &str) -> Result<Catalog, DiscError> {
    let mut found: Vec<(String, DirEntry)> = Vec::new();
    match disc.find(MODEL_DIR) {
        Ok(dir) if dir.is_dir => {
            for entry in disc.volume().read_dir(&dir)? {
                let entry = entry?;
                let name = entry.name.as_str();
                if !entry.is_dir && name.to_ascii_uppercase().ends_with(MODEL_EXTENSION) {
                    found.push((format!("{MODEL_DIR}\\{name}"), entry));
                }
            }
        }
        Ok(_) | Err(ps2_cdvd::iso9660::Error::NotFound { .. }) => {}
        Err(e) => return Err(e),
    }
    let configured_entry = disc.find(configured);
    let mut models: Vec<Model> = Vec::with_capacity(found.len() + 1);
    let default = match (found.iter().position(|(path, _)| same_path(path, configured)), configured_entry) {
        (Some(index), _) => index,
        // Configured outside `MODEL\` (or without the extension): it comes first.
        (None, Ok(entry)) if !entry.is_dir => {
            models.push(Model::read(disc, String::from(configured), entry));
            0
        }
        (None, Ok(_)) | (None, Err(ps2_cdvd::iso9660::Error::NotFound { .. })) if !found.is_empty() => {
            say!("model {configured} (LLM.CFG) is not on the disc: using {}", found[0].0);
            0
        }
        (None, Ok(_)) => return Err(ps2_cdvd::iso9660::Error::NotAFile { component: last_component(configured) }),
        (None, Err(e)) => return Err(e),
    };
    for (path, entry) in found {
        models.push(Model::read(disc, path, entry));
    }
    say!("models on the disc:");
    for (index, model) in models.iter().enumerate() {
        say!("  {}. {}", index + 1, model.describe());
    }
    Ok(Catalog { models, default })
}

/// The last component of a path, for error messages.
fn last_component(path: &str) -> ps2_cdvd::iso9660::ComponentName {
    let last = path.rsplit(['\\', '/']).next().unwrap_or(path);
    ps2_cdvd::iso9660::ComponentName::from_bytes(last.as_bytes())
}
