//! Handlers, one module per area. They parse, authorise, call the store, and shape answers;
//! no SQL and no business state lives here.

