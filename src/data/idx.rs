//! The IDX file format of MNIST and Fashion-MNIST ([`IdxArray`],
//! [`Dataset::from_idx_paths`]).
//!
//! Format (LeCun et al., <http://yann.lecun.com/exdb/mnist/>): the magic number
//! `00 00 TT RR` (`TT` the element type, `RR` the rank), then `RR` big-endian
//! `u32` dimensions, then the elements in row-major order, big-endian.
//! Files may be gzip-compressed; they are recognised by the gzip magic bytes
//! `1f 8b`, not by their name.
//!
//! (Over 400 lines because its unit tests, 64 of the 424 lines, stay beside the code they check.)

use std::io::{Read, Write};
use std::path::Path;

use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;

use super::{Dataset, Target, is_valid_value};
use crate::Result;
use crate::error::{DataError, IdxErrorKind};

/// The element type of an IDX file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdxType {
    /// `0x08`: unsigned byte (MNIST pixels and labels).
    U8,
    /// `0x09`: signed byte.
    I8,
    /// `0x0B`: big-endian `i16`.
    I16,
    /// `0x0C`: big-endian `i32`.
    I32,
    /// `0x0D`: big-endian `f32`.
    F32,
    /// `0x0E`: big-endian `f64`.
    F64,
}

impl IdxType {
    /// The type code in the magic number.
    #[must_use]
    pub const fn code(self) -> u8 {
        match self {
            IdxType::U8 => 0x08,
            IdxType::I8 => 0x09,
            IdxType::I16 => 0x0B,
            IdxType::I32 => 0x0C,
            IdxType::F32 => 0x0D,
            IdxType::F64 => 0x0E,
        }
    }

    /// The type with this code.
    #[must_use]
    pub const fn from_code(code: u8) -> Option<IdxType> {
        match code {
            0x08 => Some(IdxType::U8),
            0x09 => Some(IdxType::I8),
            0x0B => Some(IdxType::I16),
            0x0C => Some(IdxType::I32),
            0x0D => Some(IdxType::F32),
            0x0E => Some(IdxType::F64),
            _ => None,
        }
    }

    /// Bytes per element.
    #[must_use]
    pub const fn size(self) -> usize {
        match self {
            IdxType::U8 | IdxType::I8 => 1,
            IdxType::I16 => 2,
            IdxType::I32 | IdxType::F32 => 4,
            IdxType::F64 => 8,
        }
    }

    fn decode(self, b: &[u8]) -> f64 {
        let at = |i: usize| b.get(i).copied().unwrap_or(0);
        match self {
            IdxType::U8 => f64::from(at(0)),
            IdxType::I8 => f64::from(i8::from_be_bytes([at(0)])),
            IdxType::I16 => f64::from(i16::from_be_bytes([at(0), at(1)])),
            IdxType::I32 => f64::from(i32::from_be_bytes([at(0), at(1), at(2), at(3)])),
            IdxType::F32 => f64::from(f32::from_be_bytes([at(0), at(1), at(2), at(3)])),
            IdxType::F64 => f64::from_be_bytes(std::array::from_fn(at)),
        }
    }

    /// Big-endian bytes of `x` converted by Rust's saturating `as` cast.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    fn encode(self, x: f64, out: &mut Vec<u8>) {
        match self {
            IdxType::U8 => out.push(x as u8),
            IdxType::I8 => out.extend((x as i8).to_be_bytes()),
            IdxType::I16 => out.extend((x as i16).to_be_bytes()),
            IdxType::I32 => out.extend((x as i32).to_be_bytes()),
            IdxType::F32 => out.extend((x as f32).to_be_bytes()),
            IdxType::F64 => out.extend(x.to_be_bytes()),
        }
    }
}

/// An n-dimensional array read from or written to an IDX file, its elements
/// held as `f64` in row-major order.
#[derive(Debug, Clone, PartialEq)]
pub struct IdxArray {
    dims: Vec<u32>,
    data: Vec<f64>,
    dtype: IdxType,
}

impl IdxArray {
    /// An array of shape `dims` (rank at most 255) stored as `dtype`.
    ///
    /// # Errors
    /// [`IdxErrorKind::TooLarge`] if the rank exceeds 255 or the product of
    /// `dims` is not `data.len()`.
    pub fn new(dims: Vec<u32>, data: Vec<f64>, dtype: IdxType) -> Result<Self, IdxErrorKind> {
        match element_count(&dims) {
            Some(n) if dims.len() <= 255 && n == data.len() => Ok(Self { dims, data, dtype }),
            _ => Err(IdxErrorKind::TooLarge { dims }),
        }
    }

    /// The dimensions.
    #[must_use]
    pub fn dims(&self) -> &[u32] {
        &self.dims
    }

    /// The elements, row-major.
    #[must_use]
    pub fn data(&self) -> &[f64] {
        &self.data
    }

    /// The element type.
    #[must_use]
    pub fn dtype(&self) -> IdxType {
        self.dtype
    }

    /// Parses uncompressed IDX bytes.
    ///
    /// # Errors
    /// An [`IdxErrorKind`] saying what is wrong; never panics.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, IdxErrorKind> {
        let found = bytes.len() as u64;
        let magic: [u8; 4] = bytes
            .get(..4)
            .and_then(|m| m.try_into().ok())
            .ok_or(IdxErrorKind::Truncated { needed: 4, found })?;
        if magic[0] != 0 || magic[1] != 0 {
            return Err(IdxErrorKind::BadMagic { magic });
        }
        let dtype =
            IdxType::from_code(magic[2]).ok_or(IdxErrorKind::UnsupportedType { code: magic[2] })?;
        let rank = usize::from(magic[3]);
        let header = 4 + 4 * rank;
        let dims: Vec<u32> = bytes
            .get(4..header)
            .ok_or(IdxErrorKind::Truncated {
                needed: header as u64,
                found,
            })?
            .chunks_exact(4)
            .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        let count =
            element_count(&dims).ok_or_else(|| IdxErrorKind::TooLarge { dims: dims.clone() })?;
        let needed = (count as u64)
            .checked_mul(dtype.size() as u64)
            .and_then(|b| b.checked_add(header as u64))
            .ok_or_else(|| IdxErrorKind::TooLarge { dims: dims.clone() })?;
        if found < needed {
            return Err(IdxErrorKind::Truncated { needed, found });
        }
        if found > needed {
            return Err(IdxErrorKind::TrailingBytes {
                extra: found - needed,
            });
        }
        let body = bytes.get(header..).unwrap_or_default();
        let data: Vec<f64> = body
            .chunks_exact(dtype.size())
            .map(|c| dtype.decode(c))
            .collect();
        if let Some(index) = data.iter().position(|x| !x.is_finite()) {
            return Err(IdxErrorKind::NonFinite { index });
        }
        Ok(Self { dims, data, dtype })
    }

    /// The IDX bytes of this array, uncompressed. Elements are converted to
    /// the element type by Rust's saturating `as` casts (integer types
    /// truncate towards zero).
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out =
            Vec::with_capacity(4 + 4 * self.dims.len() + self.data.len() * self.dtype.size());
        // `new` and `from_bytes` keep the rank below 256.
        #[allow(clippy::cast_possible_truncation)]
        out.extend([0, 0, self.dtype.code(), self.dims.len() as u8]);
        for d in &self.dims {
            out.extend(d.to_be_bytes());
        }
        for &x in &self.data {
            self.dtype.encode(x, &mut out);
        }
        out
    }

    /// Reads an IDX file, gzip-compressed or not (told apart by its first bytes).
    ///
    /// # Errors
    /// [`DataError::Io`] if the file cannot be read or decompressed,
    /// [`DataError::Idx`] if it is malformed.
    pub fn read_path(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let shown = path.display().to_string();
        let io = |source| DataError::Io {
            path: shown.clone(),
            source,
        };
        let mut bytes = std::fs::read(path).map_err(io)?;
        if bytes.starts_with(&[0x1f, 0x8b]) {
            let mut plain = Vec::new();
            GzDecoder::new(bytes.as_slice())
                .read_to_end(&mut plain)
                .map_err(io)?;
            bytes = plain;
        }
        Self::from_bytes(&bytes).map_err(|kind| DataError::Idx { path: shown, kind }.into())
    }

    /// Writes the array to `path`, gzip-compressed if `gzip`.
    ///
    /// # Errors
    /// [`DataError::Io`] if the file cannot be written.
    pub fn write_path(&self, path: impl AsRef<Path>, gzip: bool) -> Result<()> {
        let path = path.as_ref();
        let io = |source| DataError::Io {
            path: path.display().to_string(),
            source,
        };
        let bytes = self.to_bytes();
        let bytes = if gzip {
            let mut enc = GzEncoder::new(Vec::new(), Compression::default());
            enc.write_all(&bytes).map_err(io)?;
            enc.finish().map_err(io)?
        } else {
            bytes
        };
        std::fs::write(path, bytes).map_err(io)?;
        Ok(())
    }
}

/// The product of `dims` if it fits in `usize`.
fn element_count(dims: &[u32]) -> Option<usize> {
    dims.iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(usize::try_from(d).ok()?))
}

impl Dataset {
    /// An image data set from an IDX images file (rank >= 2: items x pixels
    /// ..., each item flattened row-major into one row of features) and an
    /// IDX labels file (rank 1, non-negative integers), as MNIST's
    /// `train-images-idx3-ubyte(.gz)` and `train-labels-idx1-ubyte(.gz)`.
    /// The classes are the distinct label values in increasing order, named
    /// by their value. Pixels are kept as stored (0..255 for MNIST): scale
    /// them with [`MinMaxScaler`](super::MinMaxScaler) or
    /// [`Standardizer`](super::Standardizer).
    ///
    /// # Errors
    /// [`DataError::Io`] or [`DataError::Idx`] naming the offending file
    /// ([`IdxErrorKind::OutOfRange`] for an `f64` image value beyond
    /// [`MAX_VALUE`](super::MAX_VALUE), with its image and position).
    pub fn from_idx_paths(images: impl AsRef<Path>, labels: impl AsRef<Path>) -> Result<Dataset> {
        let (images, labels) = (images.as_ref(), labels.as_ref());
        let name = images
            .file_stem()
            .map_or_else(|| "idx".to_owned(), |s| s.to_string_lossy().into_owned());
        let img = IdxArray::read_path(images)?;
        let lab = IdxArray::read_path(labels)?;
        Dataset::from_idx_arrays(name, &img, &lab).map_err(|(which, kind)| {
            let path = if which == Which::Images {
                images
            } else {
                labels
            };
            DataError::Idx {
                path: path.display().to_string(),
                kind,
            }
            .into()
        })
    }

    /// As [`Dataset::from_idx_paths`], from arrays already read.
    fn from_idx_arrays(
        name: String,
        images: &IdxArray,
        labels: &IdxArray,
    ) -> Result<Dataset, (Which, IdxErrorKind)> {
        let rank = |a: &IdxArray| u8::try_from(a.dims.len()).unwrap_or(u8::MAX);
        let (Some(&n_images), true) = (images.dims.first(), images.dims.len() >= 2) else {
            let kind = IdxErrorKind::Rank {
                expected: "images of rank >= 2",
                found: rank(images),
            };
            return Err((Which::Images, kind));
        };
        if labels.dims.len() != 1 {
            let kind = IdxErrorKind::Rank {
                expected: "labels of rank 1",
                found: rank(labels),
            };
            return Err((Which::Labels, kind));
        }
        let n = n_images as usize;
        if labels.data.len() != n {
            let kind = IdxErrorKind::CountMismatch {
                images: n,
                labels: labels.data.len(),
            };
            return Err((Which::Labels, kind));
        }
        if let Some(index) = labels
            .data
            .iter()
            .position(|&v| v < 0.0 || v.fract() != 0.0)
        {
            let value = labels.data[index].to_string();
            return Err((Which::Labels, IdxErrorKind::BadLabel { index, value }));
        }
        let mut distinct = labels.data.clone();
        distinct.sort_by(f64::total_cmp);
        distinct.dedup();
        let label_of = |v: &f64| distinct.binary_search_by(|p| p.total_cmp(v)).unwrap_or(0);
        let target = Target::Classes {
            labels: labels.data.iter().map(label_of).collect(),
            names: distinct.iter().map(f64::to_string).collect(),
        };
        let n_features = element_count(images.dims.get(1..).unwrap_or_default()).unwrap_or(0);
        if let Some(i) = images.data.iter().position(|&v| !is_valid_value(v)) {
            let kind = IdxErrorKind::OutOfRange {
                image: i / n_features.max(1),
                position: i % n_features.max(1),
                value: format!("{:e}", images.data[i]),
            };
            return Err((Which::Images, kind));
        }
        Dataset::new(name, images.data.clone(), n_features, target).map_err(|_| {
            (
                Which::Images,
                IdxErrorKind::TooLarge {
                    dims: images.dims.clone(),
                },
            )
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Which {
    Images,
    Labels,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_round_trip_every_type() {
        for dtype in [
            IdxType::U8,
            IdxType::I8,
            IdxType::I16,
            IdxType::I32,
            IdxType::F32,
            IdxType::F64,
        ] {
            let data: Vec<f64> = match dtype {
                IdxType::U8 => vec![0.0, 1.0, 127.0, 255.0, 3.0, 9.0],
                _ => vec![-3.0, 1.0, 127.0, -128.0, 0.0, 5.0],
            };
            let a = IdxArray::new(vec![2, 3], data, dtype).unwrap();
            let bytes = a.to_bytes();
            assert_eq!(bytes.len(), 4 + 8 + 6 * dtype.size());
            assert_eq!(IdxArray::from_bytes(&bytes).unwrap(), a);
        }
    }

    #[test]
    fn malformed_headers() {
        assert_eq!(
            IdxArray::from_bytes(&[0, 0]),
            Err(IdxErrorKind::Truncated {
                needed: 4,
                found: 2
            })
        );
        assert_eq!(
            IdxArray::from_bytes(&[1, 0, 8, 1]),
            Err(IdxErrorKind::BadMagic {
                magic: [1, 0, 8, 1]
            })
        );
        assert_eq!(
            IdxArray::from_bytes(&[0, 0, 7, 1]),
            Err(IdxErrorKind::UnsupportedType { code: 7 })
        );
        assert_eq!(
            IdxArray::from_bytes(&[0, 0, 8, 1, 0, 0, 0, 3, 1, 2]),
            Err(IdxErrorKind::Truncated {
                needed: 11,
                found: 10
            })
        );
        assert_eq!(
            IdxArray::from_bytes(&[0, 0, 8, 1, 0, 0, 0, 1, 1, 2]),
            Err(IdxErrorKind::TrailingBytes { extra: 1 })
        );
        let mut nan = vec![0, 0, 0x0E, 1, 0, 0, 0, 1];
        nan.extend(f64::NAN.to_be_bytes());
        assert_eq!(
            IdxArray::from_bytes(&nan),
            Err(IdxErrorKind::NonFinite { index: 0 })
        );
    }
}
