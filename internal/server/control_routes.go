package server

import "net/http"

// controlRoutes adds the control routes.
func (s *Server) controlRoutes(mux *http.ServeMux) {}
