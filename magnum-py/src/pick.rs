//! One top-level field of a native model, converted to Python on its own: a serde `Serializer`
//! that walks a model's fields (struct or flattened map), compares each key with the wanted one
//! and converts only that value with `pythonize`. Reading `cluster.name` from a listed item
//! therefore costs one key scan and one small conversion, not a whole dict.

use pyo3::prelude::*;
use serde::Serialize;
use serde::ser::{self, Impossible};

/// The value of `key` in `item` as a Python object; `None` when the item has no such key
/// (a modelled field that is null comes back as Python `None` inside `Some`).
pub fn field<'py>(
    py: Python<'py>,
    item: &(dyn erased_serde::Serialize + Send + Sync),
    key: &str,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    match erased_serde::serialize(item, Pick { py, key }) {
        Ok(_) => Ok(None),
        Err(PickError::Found(value)) => Ok(Some(value)),
        Err(PickError::Python(err)) => Err(err),
        Err(other) => Err(pyo3::exceptions::PyTypeError::new_err(other.to_string())),
    }
}

/// How a pick ends early: the value was found (an "error" only so the walk over the remaining
/// fields stops at once), the value was not a map or struct or a key not a string, or the
/// picked value did not convert.
#[derive(Debug)]
enum PickError<'py> {
    Found(Bound<'py, PyAny>),
    Shape(String),
    Python(PyErr),
}

impl std::fmt::Display for PickError<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Found(_) => f.write_str("found"),
            Self::Shape(message) => f.write_str(message),
            Self::Python(err) => std::fmt::Display::fmt(err, f),
        }
    }
}

impl std::error::Error for PickError<'_> {}

impl ser::Error for PickError<'_> {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Self::Shape(msg.to_string())
    }
}

/// Generates the `Serializer` methods a picker refuses: every shape but the ones it handles.
macro_rules! refuse {
    ($what:expr, $error:path; $($method:ident($($arg:ty),*) -> $ret:ty;)*) => {
        $(fn $method(self, $(_: $arg),*) -> Result<$ret, Self::Error> {
            Err($error(format!("{} is not {}", stringify!($method), $what)))
        })*
    };
}

/// Serializes a model, keeping only the value under `key`.
struct Pick<'py, 'k> {
    py: Python<'py>,
    key: &'k str,
}

/// The walk over one model's fields.
struct PickFields<'py, 'k> {
    py: Python<'py>,
    key: &'k str,
    at_key: bool,
}

impl<'py> PickFields<'py, '_> {
    /// Converts the wanted value and stops the walk.
    fn take<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), PickError<'py>> {
        match pythonize::pythonize(self.py, value) {
            Ok(value) => Err(PickError::Found(value)),
            Err(err) => Err(PickError::Python(err.into())),
        }
    }
}

impl<'py, 'k> ser::Serializer for Pick<'py, 'k> {
    type Ok = Option<Bound<'py, PyAny>>;
    type Error = PickError<'py>;
    type SerializeSeq = Impossible<Self::Ok, PickError<'py>>;
    type SerializeTuple = Impossible<Self::Ok, PickError<'py>>;
    type SerializeTupleStruct = Impossible<Self::Ok, PickError<'py>>;
    type SerializeTupleVariant = Impossible<Self::Ok, PickError<'py>>;
    type SerializeMap = PickFields<'py, 'k>;
    type SerializeStruct = PickFields<'py, 'k>;
    type SerializeStructVariant = Impossible<Self::Ok, PickError<'py>>;

    refuse! { "a model", PickError::Shape;
        serialize_bool(bool) -> Self::Ok; serialize_i8(i8) -> Self::Ok;
        serialize_i16(i16) -> Self::Ok; serialize_i32(i32) -> Self::Ok;
        serialize_i64(i64) -> Self::Ok; serialize_u8(u8) -> Self::Ok;
        serialize_u16(u16) -> Self::Ok; serialize_u32(u32) -> Self::Ok;
        serialize_u64(u64) -> Self::Ok; serialize_f32(f32) -> Self::Ok;
        serialize_f64(f64) -> Self::Ok; serialize_char(char) -> Self::Ok;
        serialize_str(&str) -> Self::Ok; serialize_bytes(&[u8]) -> Self::Ok;
        serialize_none() -> Self::Ok; serialize_unit() -> Self::Ok;
        serialize_unit_struct(&'static str) -> Self::Ok;
        serialize_unit_variant(&'static str, u32, &'static str) -> Self::Ok;
        serialize_seq(Option<usize>) -> Self::SerializeSeq;
        serialize_tuple(usize) -> Self::SerializeTuple;
        serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct;
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant;
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> Self::SerializeStructVariant;
    }

    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<Self::Ok, PickError<'py>> {
        value.serialize(self)
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<Self::Ok, PickError<'py>> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Self::Ok, PickError<'py>> {
        Err(PickError::Shape("an enum variant is not a model".into()))
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, PickError<'py>> {
        Ok(PickFields {
            py: self.py,
            key: self.key,
            at_key: false,
        })
    }

    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, PickError<'py>> {
        self.serialize_map(None)
    }
}

impl<'py> ser::SerializeMap for PickFields<'py, '_> {
    type Ok = Option<Bound<'py, PyAny>>;
    type Error = PickError<'py>;

    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<(), PickError<'py>> {
        self.at_key = key
            .serialize(KeyIs(self.key))
            .map_err(|e| PickError::Shape(e.0))?;
        Ok(())
    }

    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), PickError<'py>> {
        if std::mem::take(&mut self.at_key) {
            self.take(value)?;
        }
        Ok(())
    }

    fn end(self) -> Result<Self::Ok, PickError<'py>> {
        Ok(None)
    }
}

impl<'py> ser::SerializeStruct for PickFields<'py, '_> {
    type Ok = Option<Bound<'py, PyAny>>;
    type Error = PickError<'py>;

    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), PickError<'py>> {
        if key == self.key {
            self.take(value)?;
        }
        Ok(())
    }

    fn end(self) -> Result<Self::Ok, PickError<'py>> {
        Ok(None)
    }
}

/// Serializes a map key into "is it the wanted one?".
struct KeyIs<'k>(&'k str);

/// A map key that is not a string.
#[derive(Debug)]
struct NotAStringKey(String);

impl std::fmt::Display for NotAStringKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NotAStringKey {}

impl ser::Error for NotAStringKey {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Self(msg.to_string())
    }
}

impl ser::Serializer for KeyIs<'_> {
    type Ok = bool;
    type Error = NotAStringKey;
    type SerializeSeq = Impossible<bool, NotAStringKey>;
    type SerializeTuple = Impossible<bool, NotAStringKey>;
    type SerializeTupleStruct = Impossible<bool, NotAStringKey>;
    type SerializeTupleVariant = Impossible<bool, NotAStringKey>;
    type SerializeMap = Impossible<bool, NotAStringKey>;
    type SerializeStruct = Impossible<bool, NotAStringKey>;
    type SerializeStructVariant = Impossible<bool, NotAStringKey>;

    fn serialize_str(self, key: &str) -> Result<bool, NotAStringKey> {
        Ok(key == self.0)
    }

    refuse! { "a string key", NotAStringKey;
        serialize_bool(bool) -> bool; serialize_i8(i8) -> bool; serialize_i16(i16) -> bool;
        serialize_i32(i32) -> bool; serialize_i64(i64) -> bool; serialize_u8(u8) -> bool;
        serialize_u16(u16) -> bool; serialize_u32(u32) -> bool; serialize_u64(u64) -> bool;
        serialize_f32(f32) -> bool; serialize_f64(f64) -> bool; serialize_char(char) -> bool;
        serialize_bytes(&[u8]) -> bool; serialize_none() -> bool; serialize_unit() -> bool;
        serialize_unit_struct(&'static str) -> bool;
        serialize_unit_variant(&'static str, u32, &'static str) -> bool;
        serialize_seq(Option<usize>) -> Self::SerializeSeq;
        serialize_tuple(usize) -> Self::SerializeTuple;
        serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct;
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant;
        serialize_map(Option<usize>) -> Self::SerializeMap;
        serialize_struct(&'static str, usize) -> Self::SerializeStruct;
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> Self::SerializeStructVariant;
    }

    fn serialize_some<T: ?Sized + Serialize>(self, _: &T) -> Result<bool, NotAStringKey> {
        Err(NotAStringKey("an optional key is not a string key".into()))
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<bool, NotAStringKey> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<bool, NotAStringKey> {
        Err(NotAStringKey("an enum variant is not a string key".into()))
    }
}
